package dev.sluice.sampling;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How the next token is chosen. The chain and the defaults are llama.cpp's: penalties over the last
 * {@code penaltyLastN} tokens → top-k → top-p → min-p → temperature → a draw from the seeded RNG.
 * A temperature ≤ 0 is greedy (the highest logit after penalties). A stage is off at its neutral
 * value: {@code topK ≤ 0}, {@code topP ≥ 1}, {@code minP ≤ 0}, penalties 1 / 0 / 0 or {@code penaltyLastN = 0}.
 *
 * @param temperature      logits are divided by it before the draw (default 0.8)
 * @param topK             keep the k highest logits (default 40)
 * @param topP             keep the smallest set of best tokens whose probability reaches p (default 0.95)
 * @param minP             drop tokens less likely than minP × the best token's probability (default 0.05)
 * @param repeatPenalty    a recent token's logit is divided by it if positive, multiplied if not (default 1.0)
 * @param frequencyPenalty subtracted from a recent token's logit once per occurrence (default 0)
 * @param presencePenalty  subtracted once from the logit of any recent token (default 0)
 * @param penaltyLastN     how many of the last accepted tokens the penalties look at (default 64)
 * @param seed             the RNG seed; the same seed and inputs reproduce the same tokens (default: random)
 */
public record SamplerParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repeatPenalty,
        float frequencyPenalty,
        float presencePenalty,
        int penaltyLastN,
        long seed) {

    public SamplerParams {
        requireFinite("temperature", temperature);
        requireFinite("frequencyPenalty", frequencyPenalty);
        requireFinite("presencePenalty", presencePenalty);
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("minP must be in [0, 1], got " + minP);
        }
        if (!(repeatPenalty > 0) || Float.isInfinite(repeatPenalty)) {
            throw new IllegalArgumentException("repeatPenalty must be a positive number, got " + repeatPenalty);
        }
        if (penaltyLastN < 0) {
            throw new IllegalArgumentException("penaltyLastN must be ≥ 0, got " + penaltyLastN);
        }
    }

    private static void requireFinite(String name, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number, got " + value);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Greedy decoding: always the highest logit (penalties still apply if set on a builder). */
    public static SamplerParams greedy() {
        return builder().temperature(0).build();
    }

    boolean isGreedy() {
        return temperature <= 0;
    }

    boolean hasPenalties() {
        return penaltyLastN > 0 && (repeatPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0);
    }

    /** Starts from llama.cpp's defaults; an unset seed is drawn at random when built. */
    public static final class Builder {
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repeatPenalty = 1.0f;
        private float frequencyPenalty = 0;
        private float presencePenalty = 0;
        private int penaltyLastN = 64;
        private Long seed;

        private Builder() {}

        public Builder temperature(float value) {
            temperature = value;
            return this;
        }

        public Builder topK(int value) {
            topK = value;
            return this;
        }

        public Builder topP(float value) {
            topP = value;
            return this;
        }

        public Builder minP(float value) {
            minP = value;
            return this;
        }

        public Builder repeatPenalty(float value) {
            repeatPenalty = value;
            return this;
        }

        public Builder frequencyPenalty(float value) {
            frequencyPenalty = value;
            return this;
        }

        public Builder presencePenalty(float value) {
            presencePenalty = value;
            return this;
        }

        public Builder penaltyLastN(int value) {
            penaltyLastN = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public SamplerParams build() {
            long chosenSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
            return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                    presencePenalty, penaltyLastN, chosenSeed);
        }
    }
}
