package dev.sluice.tokenizer;

import dev.sluice.gguf.GgufFile;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Tokenizers of the golden GGUF files, each read once per test JVM (the Llama-3 vocabulary is large). */
public final class GoldenVocabularies {
    static final String LLAMA3_VOCAB = "tokenizer/llama3-vocab.gguf";
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private GoldenVocabularies() {}

    /** The full Llama-3 vocabulary is in the full golden set only (it is 7.8 MB). */
    public static boolean hasLlama3() {
        return Golden.has(LLAMA3_VOCAB);
    }

    /** @param relative a path under the golden directory, e.g. {@code tokenizer/llama3-vocab.gguf} */
    public static Tokenizer tokenizer(String relative) {
        return CACHE.computeIfAbsent(relative, GoldenVocabularies::load);
    }

    public static Tokenizer llama3() {
        return tokenizer(LLAMA3_VOCAB);
    }

    public static Tokenizer sentencePiece() {
        return tokenizer("tokenizer/llama-spm-vocab.gguf");
    }

    private static Tokenizer load(String relative) {
        try {
            return Tokenizer.of(Vocabulary.from(GgufFile.read(Golden.file(relative)).metadata()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
