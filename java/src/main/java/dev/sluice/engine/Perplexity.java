package dev.sluice.engine;

/**
 * Accumulates the negative log-likelihood of observed tokens under the model's logits; perplexity is
 * exp(mean NLL), as llama.cpp's llama-perplexity reports it. The log-softmax is computed in double
 * with the max subtracted, so large logits cannot overflow.
 */
public final class Perplexity {
    private double nllSum;
    private long count;

    /** Scores {@code token} against one row of logits starting at {@code offset}. */
    public void add(float[] logits, int offset, int nVocab, int token) {
        if (token < 0 || token >= nVocab) {
            throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + nVocab);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < nVocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < nVocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        nllSum += max + Math.log(sum) - logits[offset + token];
        count++;
    }

    public long count() {
        return count;
    }

    public double meanNll() {
        return count == 0 ? Double.NaN : nllSum / count;
    }

    public double perplexity() {
        return Math.exp(meanNll());
    }
}
