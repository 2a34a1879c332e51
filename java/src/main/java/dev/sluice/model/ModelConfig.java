package dev.sluice.model;

import dev.sluice.ModelFormatException;
import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufFormatException;
import dev.sluice.gguf.GgufMetadata;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The hyperparameters of a Llama-architecture model, from GGUF metadata (and, for the tied output and
 * Llama-3 rope scaling, from which tensors the file has). Built only through {@link #from}, which
 * checks that they are consistent.
 *
 * @param headDim dimensions per attention head (query and key)
 * @param nRot dimensions per head that RoPE rotates
 * @param ropeFreqScale 1 / the linear scaling factor; 1 when not scaled linearly
 * @param tiedOutput the output projection reuses token_embd (the file has no output.weight)
 */
public record ModelConfig(
        String architecture,
        String name,
        int nVocab,
        int nCtxTrain,
        int nEmbd,
        int nLayer,
        int nHead,
        int nHeadKv,
        int nFf,
        int headDim,
        int nRot,
        float ropeFreqBase,
        RopeScaling ropeScaling,
        float ropeFreqScale,
        float rmsEps,
        boolean tiedOutput,
        OptionalInt bosTokenId,
        OptionalInt eosTokenId) {

    public static final String ARCHITECTURE = "llama";
    static final String OUTPUT_TENSOR = "output.weight";
    static final String ROPE_FREQS_TENSOR = "rope_freqs.weight";
    private static final String P = ARCHITECTURE + ".";
    private static final float DEFAULT_ROPE_FREQ_BASE = 10000f;

    /** Query heads times head dimension: the width of attn_q's output. */
    public int qDim() {
        return nHead * headDim;
    }

    /** KV heads times head dimension: the width of attn_k's and attn_v's outputs. */
    public int kvDim() {
        return nHeadKv * headDim;
    }

    /**
     * @throws GgufFormatException if a required metadata key is missing
     * @throws ModelFormatException if the model is not a Llama model or its hyperparameters are inconsistent
     */
    public static ModelConfig from(GgufFile file) throws GgufFormatException {
        GgufMetadata m = file.metadata();
        String architecture = m.requireString("general.architecture");
        if (!architecture.equals(ARCHITECTURE)) {
            throw new ModelFormatException("unsupported architecture '" + architecture + "' (Sluice runs llama)");
        }
        int nEmbd = positiveInt(m, P + "embedding_length");
        int nHead = positiveInt(m, P + "attention.head_count");
        int nHeadKv = optionalPositiveInt(m, P + "attention.head_count_kv").orElse(nHead);
        int headDim = optionalPositiveInt(m, P + "attention.key_length").orElse(nEmbd / nHead);
        if (!m.contains(P + "attention.key_length") && nEmbd % nHead != 0) {
            throw new ModelFormatException("embedding length " + nEmbd + " is not a multiple of the head count " + nHead);
        }
        int valueDim = optionalPositiveInt(m, P + "attention.value_length").orElse(headDim);
        if (valueDim != headDim) {
            throw new ModelFormatException("value head size " + valueDim + " differs from key head size " + headDim
                    + "; Llama uses one head size");
        }
        boolean hasRopeFreqs = file.tensor(ROPE_FREQS_TENSOR).isPresent();
        RopeScaling scaling = ropeScaling(m, hasRopeFreqs);
        ModelConfig config = new ModelConfig(
                architecture,
                m.getString("general.name").orElse(""),
                vocabSize(m),
                positiveInt(m, P + "context_length"),
                nEmbd,
                positiveInt(m, P + "block_count"),
                nHead,
                nHeadKv,
                positiveInt(m, P + "feed_forward_length"),
                headDim,
                optionalPositiveInt(m, P + "rope.dimension_count").orElse(headDim),
                (float) m.getDouble(P + "rope.freq_base").orElse(DEFAULT_ROPE_FREQ_BASE),
                scaling,
                scaling == RopeScaling.LINEAR ? (float) (1 / linearFactor(m)) : 1f,
                (float) m.requireDouble(P + "attention.layer_norm_rms_epsilon"),
                file.tensor(OUTPUT_TENSOR).isEmpty(),
                tokenId(m, "tokenizer.ggml.bos_token_id"),
                tokenId(m, "tokenizer.ggml.eos_token_id"));
        config.checkConsistency();
        return config;
    }

    private void checkConsistency() {
        if (nHead % nHeadKv != 0) {
            throw new ModelFormatException("head count " + nHead + " is not a multiple of the KV head count " + nHeadKv);
        }
        if (headDim % 2 != 0) {
            throw new ModelFormatException("head size " + headDim + " is odd; RoPE rotates pairs of dimensions");
        }
        if (nRot > headDim || nRot % 2 != 0) {
            throw new ModelFormatException("rope dimension count " + nRot + " must be even and at most the head size "
                    + headDim);
        }
        requireFinitePositive("rope freq base", ropeFreqBase);
        requireFinitePositive("RMS norm epsilon", rmsEps);
        requireFinitePositive("rope freq scale", ropeFreqScale);
        for (OptionalInt id : List.of(bosTokenId, eosTokenId)) {
            if (id.isPresent() && id.getAsInt() >= nVocab) {
                throw new ModelFormatException("special token id " + id.getAsInt() + " is outside the vocabulary of "
                        + nVocab + " tokens");
            }
        }
    }

    private static int vocabSize(GgufMetadata m) throws GgufFormatException {
        Optional<List<String>> tokens = m.getStringArray("tokenizer.ggml.tokens");
        OptionalInt declared = optionalPositiveInt(m, P + "vocab_size");
        if (tokens.isEmpty()) {
            return declared.orElseThrow(() -> new GgufFormatException(
                    "missing metadata key 'tokenizer.ggml.tokens' (or '" + P + "vocab_size')"));
        }
        int n = tokens.get().size();
        if (n == 0) {
            throw new ModelFormatException("the vocabulary (tokenizer.ggml.tokens) is empty");
        }
        if (declared.isPresent() && declared.getAsInt() != n) {
            throw new ModelFormatException(P + "vocab_size = " + declared.getAsInt() + " but tokenizer.ggml.tokens holds "
                    + n + " tokens");
        }
        return n;
    }

    private static RopeScaling ropeScaling(GgufMetadata m, boolean hasRopeFreqs) {
        if (hasRopeFreqs) {
            return RopeScaling.LLAMA3;
        }
        boolean hasFactor = m.contains(P + "rope.scaling.factor") || m.contains(P + "rope.scale_linear");
        String type = m.getString(P + "rope.scaling.type").orElse(hasFactor ? "linear" : "none");
        return switch (type) {
            case "none" -> RopeScaling.NONE;
            case "linear" -> linearFactor(m) == 1 ? RopeScaling.NONE : RopeScaling.LINEAR;
            default -> throw new ModelFormatException("unsupported rope scaling type '" + type
                    + "' (Sluice supports none, linear, and Llama-3 rope_freqs)");
        };
    }

    private static double linearFactor(GgufMetadata m) {
        double factor = m.getDouble(P + "rope.scaling.factor").orElse(m.getDouble(P + "rope.scale_linear").orElse(1));
        // llama.cpp reads a factor of 0 as "no scaling"
        return factor == 0 ? 1 : factor;
    }

    private static OptionalInt tokenId(GgufMetadata m, String key) {
        OptionalLong id = m.getLong(key);
        if (id.isEmpty()) {
            return OptionalInt.empty();
        }
        if (id.getAsLong() < 0 || id.getAsLong() > Integer.MAX_VALUE) {
            throw new ModelFormatException("metadata key '" + key + "' = " + id.getAsLong() + " is not a token id");
        }
        return OptionalInt.of((int) id.getAsLong());
    }

    private static int positiveInt(GgufMetadata m, String key) throws GgufFormatException {
        return toPositiveInt(key, m.requireLong(key));
    }

    private static OptionalInt optionalPositiveInt(GgufMetadata m, String key) {
        OptionalLong v = m.getLong(key);
        return v.isPresent() ? OptionalInt.of(toPositiveInt(key, v.getAsLong())) : OptionalInt.empty();
    }

    private static int toPositiveInt(String key, long value) {
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw new ModelFormatException("metadata key '" + key + "' = " + value + " must be between 1 and "
                    + Integer.MAX_VALUE);
        }
        return (int) value;
    }

    private static void requireFinitePositive(String what, float value) {
        if (!(value > 0) || Float.isInfinite(value)) {
            throw new ModelFormatException(what + " = " + value + " must be a positive finite number");
        }
    }
}
