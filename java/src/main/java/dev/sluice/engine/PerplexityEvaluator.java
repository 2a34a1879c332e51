package dev.sluice.engine;

import java.util.function.DoubleConsumer;

/**
 * Perplexity as llama.cpp's llama-perplexity computes it: the token stream is cut into chunks of
 * {@code nCtx} tokens, each evaluated in a fresh context (its first token replaced by BOS when the
 * model adds one), and only the second half of each chunk is scored — each of those positions has
 * at least half a context of history.
 */
public final class PerplexityEvaluator {
    private PerplexityEvaluator() {}

    /** The first position of a chunk whose prediction of the next token is scored. */
    public static int firstScored(int nCtx) {
        return nCtx / 2;
    }

    /**
     * @param bos          the BOS id to put at the start of every chunk, or -1 to leave chunks as they are
     * @param afterChunk   receives the running perplexity after each chunk
     */
    public static Perplexity evaluate(Model model, int[] tokens, int nCtx, int bos, DoubleConsumer afterChunk) {
        if (nCtx < 4) {
            throw new IllegalArgumentException("context length for perplexity must be at least 4, got " + nCtx);
        }
        int chunks = tokens.length / nCtx;
        if (chunks == 0) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens; perplexity needs at least "
                    + nCtx + " (one chunk of -c " + nCtx + "): use a longer text or a smaller -c");
        }
        int nVocab = model.config().nVocab();
        Perplexity ppl = new Perplexity();
        try (Session session = model.newSession(nCtx)) {
            for (int c = 0; c < chunks; c++) {
                int[] chunk = java.util.Arrays.copyOfRange(tokens, c * nCtx, (c + 1) * nCtx);
                if (bos >= 0) {
                    chunk[0] = bos;
                }
                session.truncate(0);
                float[] logits = session.decodeAll(chunk);
                for (int i = firstScored(nCtx); i < nCtx - 1; i++) {
                    ppl.add(logits, i * nVocab, nVocab, tokens[c * nCtx + i + 1]);
                }
                afterChunk.accept(ppl.perplexity());
            }
        }
        return ppl;
    }
}
