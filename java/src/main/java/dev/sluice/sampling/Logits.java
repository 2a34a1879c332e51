package dev.sluice.sampling;

/**
 * The model's scores for the next token: either one logit per vocabulary entry, or a short list of
 * the best candidates already selected on the device (so 128k floats need not cross to the host).
 */
public sealed interface Logits {
    /** A logit per token id. The sampler reads the array and leaves it as it found it. */
    static Logits dense(float[] logits) {
        return new Dense(logits);
    }

    /**
     * The best candidates: {@code ids[i]} has logit {@code logits[i]}; any order. Tokens not listed are
     * treated as impossible, so with penalties the list should be longer than top-k: a penalised token
     * drops out of the k best and a listed token must take its place.
     */
    static Logits candidates(int[] ids, float[] logits) {
        return new Candidates(ids, logits);
    }

    /** The id of the highest logit (the first one on a tie): the greedy choice. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    record Dense(float[] logits) implements Logits {
        public Dense {
            if (logits.length == 0) {
                throw new IllegalArgumentException("no logits: the array is empty");
            }
        }
    }

    record Candidates(int[] ids, float[] logits) implements Logits {
        public Candidates {
            if (ids.length == 0 || ids.length != logits.length) {
                throw new IllegalArgumentException("a candidate list needs as many logits as ids, and at least one; got "
                        + ids.length + " ids and " + logits.length + " logits");
            }
        }
    }
}
