package dev.sluice.tokenizer;

import dev.sluice.ModelFormatException;
import dev.sluice.gguf.GgufMetadata;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Everything a tokenizer needs from a model's metadata. Token ids are indexes into {@code tokens};
 * {@code scores} and {@code types} run parallel to it. {@code merges} ("left right", best rank
 * first) is used by BPE only. A special id is -1 when the model has none.
 */
public record Vocabulary(
        TokenizerKind kind,
        String preTokenizer,
        List<String> tokens,
        float[] scores,
        TokenType[] types,
        List<String> merges,
        int bosId,
        int eosId,
        int unknownId,
        boolean addBos,
        boolean addSpacePrefix) {

    /** Pre-tokenizer names llama.cpp maps to Llama-3's split; the only BPE pre-tokenizer implemented. */
    private static final Set<String> LLAMA3_PRE_TOKENIZERS = Set.of("llama-bpe", "llama3", "llama-v3");

    public Vocabulary {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        if (tokens.isEmpty()) {
            throw new ModelFormatException("the vocabulary has no tokens (tokenizer.ggml.tokens is empty)");
        }
        if (scores.length != tokens.size() || types.length != tokens.size()) {
            throw new ModelFormatException("tokenizer.ggml.scores (" + scores.length + ") and token_type ("
                    + types.length + ") must have one entry per token (" + tokens.size() + ")");
        }
        if (kind == TokenizerKind.BPE && !LLAMA3_PRE_TOKENIZERS.contains(preTokenizer)) {
            throw new ModelFormatException("tokenizer.ggml.pre '" + preTokenizer
                    + "' is not supported; Sluice implements Llama-3's 'llama-bpe' pre-tokenizer");
        }
        checkId("bos", bosId, tokens.size());
        checkId("eos", eosId, tokens.size());
        checkId("unknown", unknownId, tokens.size());
        if (addBos && bosId < 0) {
            throw new ModelFormatException("the model asks for a BOS token but names no tokenizer.ggml.bos_token_id");
        }
    }

    /**
     * Reads the {@code tokenizer.ggml.*} keys (a vocabulary-only file is enough). Absent keys take
     * llama.cpp's defaults: scores 0, normal tokens; SentencePiece adds BOS (id 1), EOS 2, unknown 0
     * and the dummy-prefix space; Llama-3 BPE adds BOS and no space. A BPE vocabulary without
     * {@code tokenizer.ggml.pre} predates that key and is taken to be Llama-3's.
     */
    public static Vocabulary from(GgufMetadata metadata) {
        TokenizerKind kind = TokenizerKind.fromGguf(metadata.getString("tokenizer.ggml.model")
                .orElseThrow(() -> missing("tokenizer.ggml.model")));
        List<String> tokens = metadata.getStringArray("tokenizer.ggml.tokens")
                .orElseThrow(() -> missing("tokenizer.ggml.tokens"));
        boolean sentencePiece = kind == TokenizerKind.SENTENCEPIECE;
        float[] scores = metadata.getFloatArray("tokenizer.ggml.scores").orElseGet(() -> new float[tokens.size()]);
        TokenType[] types = metadata.getIntArray("tokenizer.ggml.token_type")
                .map(codes -> Arrays.stream(codes).mapToObj(TokenType::fromGguf).toArray(TokenType[]::new))
                .orElseGet(() -> filled(tokens.size()));
        List<String> merges = sentencePiece ? List.of() : metadata.getStringArray("tokenizer.ggml.merges")
                .orElseThrow(() -> missing("tokenizer.ggml.merges"));
        return new Vocabulary(
                kind,
                metadata.getString("tokenizer.ggml.pre").orElse(sentencePiece ? "default" : "llama-bpe"),
                tokens,
                scores,
                types,
                merges,
                specialId(metadata, "bos", sentencePiece ? 1 : -1),
                specialId(metadata, "eos", sentencePiece ? 2 : -1),
                specialId(metadata, "unknown", sentencePiece ? 0 : -1),
                metadata.getBoolean("tokenizer.ggml.add_bos_token").orElse(true),
                metadata.getBoolean("tokenizer.ggml.add_space_prefix").orElse(sentencePiece));
    }

    private static TokenType[] filled(int size) {
        TokenType[] types = new TokenType[size];
        Arrays.fill(types, TokenType.NORMAL);
        return types;
    }

    private static int specialId(GgufMetadata metadata, String name, int fallback) {
        long id = metadata.getLong("tokenizer.ggml." + name + "_token_id").orElse(fallback);
        return Math.clamp(id, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    private static ModelFormatException missing(String key) {
        return new ModelFormatException("the model has no vocabulary: metadata key '" + key + "' is missing");
    }

    private static void checkId(String name, int id, int size) {
        if (id < -1 || id >= size) {
            throw new ModelFormatException("tokenizer.ggml." + name + "_token_id " + id
                    + " is outside the vocabulary of " + size + " tokens");
        }
    }

    public int size() {
        return tokens.size();
    }

    public String token(int id) {
        return tokens.get(id);
    }

    public float score(int id) {
        return scores[id];
    }

    public TokenType type(int id) {
        return types[id];
    }
}
