package dev.sluice.engine;

/** Token counts and times of one generation: the prompt as a batch, then token by token. */
public record GenerationStats(int promptTokens, long promptNanos, int generatedTokens, long generationNanos) {
    public double promptTokensPerSecond() {
        return rate(promptTokens, promptNanos);
    }

    public double generationTokensPerSecond() {
        return rate(generatedTokens, generationNanos);
    }

    private static double rate(int tokens, long nanos) {
        return nanos == 0 ? 0 : tokens * 1e9 / nanos;
    }
}
