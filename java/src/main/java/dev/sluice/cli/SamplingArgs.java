package dev.sluice.cli;

import dev.sluice.sampling.SamplerParams;
import picocli.CommandLine.Option;

/** Sampler options with llama.cpp's names and defaults (a picocli mixin). */
final class SamplingArgs {
    @Option(names = "--temp", defaultValue = "0.8", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Top-p; 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Min-p; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "Tokens the penalties look back over (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--frequency-penalty", defaultValue = "0", description = "Frequency penalty (default: ${DEFAULT-VALUE})")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", description = "Presence penalty (default: ${DEFAULT-VALUE})")
    float presencePenalty;

    @Option(names = "--seed", description = "RNG seed; the same seed reproduces a run (default: random)")
    Long seed;

    SamplerParams params() {
        SamplerParams.Builder b = SamplerParams.builder()
                .temperature(temperature)
                .topK(topK)
                .topP(topP)
                .minP(minP)
                .repeatPenalty(repeatPenalty)
                .penaltyLastN(repeatLastN)
                .frequencyPenalty(frequencyPenalty)
                .presencePenalty(presencePenalty);
        if (seed != null) {
            b.seed(seed);
        }
        return b.build();
    }
}
