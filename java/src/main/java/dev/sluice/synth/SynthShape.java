package dev.sluice.synth;

import java.util.Map;
import java.util.Optional;

/**
 * The hyperparameters of a synthetic Llama model. The presets are the real shapes of Meta's models,
 * so a synthetic file reads, computes and streams exactly like the real one of that size.
 */
public record SynthShape(int layers, int embd, int ff, int heads, int kvHeads, int vocab, int contextLength,
                         float ropeFreqBase, boolean tiedOutput) {
    private static final Map<String, SynthShape> PRESETS = Map.of(
            // Llama 3.2 1B ties its output to the embedding; the benchmark shape keeps a separate
            // output matrix (1.5B parameters), the case llama.cpp's reference numbers were measured on.
            "llama-3.2-1b", new SynthShape(16, 2048, 8192, 32, 8, 128256, 131072, 500000f, false),
            "llama-3.2-3b", new SynthShape(28, 3072, 8192, 24, 8, 128256, 131072, 500000f, false),
            "llama-3.1-8b", new SynthShape(32, 4096, 14336, 32, 8, 128256, 131072, 500000f, false),
            "llama-3.1-70b", new SynthShape(80, 8192, 28672, 64, 8, 128256, 131072, 500000f, false),
            "llama-2-7b", new SynthShape(32, 4096, 11008, 32, 32, 32000, 4096, 10000f, false));

    public SynthShape {
        require(layers > 0 && embd > 0 && ff > 0 && heads > 0 && kvHeads > 0 && vocab > 0 && contextLength > 0,
                "every dimension must be positive");
        require(embd % heads == 0, "heads (" + heads + ") must divide the embedding length (" + embd + ")");
        require(heads % kvHeads == 0, "KV heads (" + kvHeads + ") must divide the heads (" + heads + ")");
        require((embd / heads) % 2 == 0, "the head dimension (" + embd / heads + ") must be even for RoPE");
    }

    public static Optional<SynthShape> preset(String name) {
        return Optional.ofNullable(PRESETS.get(name));
    }

    public static java.util.Set<String> presetNames() {
        return new java.util.TreeSet<>(PRESETS.keySet());
    }

    public int headDim() {
        return embd / heads;
    }

    public long parameterCount() {
        long kvWidth = (long) kvHeads * headDim();
        long perLayer = 2L * embd * embd + 2L * embd * kvWidth + 3L * embd * ff + 2L * embd;
        return layers * perLayer + (tiedOutput ? 1 : 2) * (long) vocab * embd + embd;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid model shape: " + message);
        }
    }
}
