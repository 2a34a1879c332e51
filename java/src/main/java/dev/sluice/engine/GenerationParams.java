package dev.sluice.engine;

import dev.sluice.sampling.SamplerParams;
import java.util.List;

/**
 * What to generate: at most {@code maxTokens} tokens (-1: until end of generation or a full
 * context), ending early at any of {@code stopStrings}, drawn by the sampler chain {@code sampler}.
 */
public record GenerationParams(int maxTokens, List<String> stopStrings, SamplerParams sampler) {
    public GenerationParams {
        if (maxTokens < -1) {
            throw new IllegalArgumentException("maxTokens must be -1 (no limit) or >= 0, got " + maxTokens);
        }
        stopStrings = List.copyOf(stopStrings);
        if (sampler == null) {
            throw new IllegalArgumentException("sampler params must not be null");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: no token limit, no stop strings, llama.cpp's default sampler chain. */
    public static final class Builder {
        private int maxTokens = -1;
        private List<String> stopStrings = List.of();
        private SamplerParams sampler = SamplerParams.builder().build();

        public Builder maxTokens(int maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder stopStrings(List<String> stopStrings) {
            this.stopStrings = stopStrings;
            return this;
        }

        public Builder sampler(SamplerParams sampler) {
            this.sampler = sampler;
            return this;
        }

        public GenerationParams build() {
            return new GenerationParams(maxTokens, stopStrings, sampler);
        }
    }
}
