package dev.sluice.model;

/** How RoPE frequencies are adjusted for contexts longer than the model was trained on. */
public enum RopeScaling {
    NONE,
    /** Positions divided by a factor: {@link ModelConfig#ropeFreqScale()} = 1 / factor. */
    LINEAR,
    /** Llama 3.1+: per-dimension frequency factors stored in the {@code rope_freqs.weight} tensor. */
    LLAMA3
}
