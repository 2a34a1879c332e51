package dev.sluice.engine;

import dev.sluice.model.ModelConfig;

/**
 * How a model is opened.
 *
 * @param backend        which backend runs it
 * @param threads        CPU threads; 0 = one per physical core
 * @param contextLength  default KV cache positions per session; 0 = the model's training context, capped
 *                       at {@link #DEFAULT_MAX_CONTEXT}
 * @param q8Activations  quantize activations to 8 bits inside quantized matmuls (faster, as llama.cpp
 *                       does) instead of computing in float (exact)
 * @param weightsFrom    the NVMe drive the weights are read from, or null to read them from the mapped file
 */
public record ModelOptions(Backend backend, int threads, int contextLength, boolean q8Activations,
        NvmeWeights weightsFrom) {
    /** Sessions default to at most this many positions, so a 128k-context model does not take GBs of KV cache. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    public ModelOptions {
        if (backend == null) {
            throw new IllegalArgumentException("backend must not be null");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = one per physical core), got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("context length must be >= 0, got " + contextLength);
        }
    }

    /** Positions of a session made without a length: these options' context, or the model's (capped). */
    public int sessionContext(ModelConfig config) {
        return contextLength > 0 ? contextLength : Math.min(config.nCtxTrain(), DEFAULT_MAX_CONTEXT);
    }

    public static ModelOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builder with the defaults: AUTO backend, all physical cores, the model's context (capped), float activations,
     * weights from the file.
     */
    public static final class Builder {
        private Backend backend = Backend.AUTO;
        private int threads;
        private int contextLength;
        private boolean q8Activations;
        private NvmeWeights weightsFrom;

        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder contextLength(int contextLength) {
            this.contextLength = contextLength;
            return this;
        }

        public Builder q8Activations(boolean q8Activations) {
            this.q8Activations = q8Activations;
            return this;
        }

        public Builder weightsFrom(NvmeWeights weightsFrom) {
            this.weightsFrom = weightsFrom;
            return this;
        }

        public ModelOptions build() {
            return new ModelOptions(backend, threads, contextLength, q8Activations, weightsFrom);
        }
    }
}
