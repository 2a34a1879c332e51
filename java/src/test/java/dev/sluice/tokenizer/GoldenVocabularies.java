package dev.sluice.tokenizer;

import dev.sluice.gguf.GgufFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Tokenizers of the golden GGUF files, each read once per test JVM (the Llama-3 vocabulary is large). */
public final class GoldenVocabularies {
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private GoldenVocabularies() {}

    public static Path golden() {
        return Path.of(System.getProperty("sluice.golden", "../shared/golden"));
    }

    /** @param relative a path under the golden directory, e.g. {@code tokenizer/llama3-vocab.gguf} */
    public static Tokenizer tokenizer(String relative) {
        return CACHE.computeIfAbsent(relative, GoldenVocabularies::load);
    }

    public static Tokenizer llama3() {
        return tokenizer("tokenizer/llama3-vocab.gguf");
    }

    public static Tokenizer sentencePiece() {
        return tokenizer("tokenizer/llama-spm-vocab.gguf");
    }

    private static Tokenizer load(String relative) {
        try {
            return Tokenizer.of(Vocabulary.from(GgufFile.read(golden().resolve(relative)).metadata()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
