package dev.sluice.sampling;

/**
 * The outcome of one sampling step.
 *
 * @param token       the chosen token id
 * @param probability its probability in the final distribution it was drawn from (1 when greedy)
 */
public record SampledToken(int token, float probability) {}
