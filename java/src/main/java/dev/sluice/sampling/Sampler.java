package dev.sluice.sampling;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * Picks the next token from the model's logits with llama.cpp's chain (see {@link SamplerParams}).
 * One sampler per sequence: it holds the RNG and the recent tokens the penalties look at, so
 * {@link #accept} every token that enters the sequence (prompt tokens too, if they should count).
 * Not thread-safe.
 */
public final class Sampler {
    private final SamplerParams params;
    private final SplittableRandom random;
    private final TokenHistory history;

    public Sampler(SamplerParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        this.history = new TokenHistory(params.penaltyLastN());
    }

    public SamplerParams params() {
        return params;
    }

    /**
     * How many of the best logits this sampler's chain can look at: 1 when greedy, k under top-k, 0 when it needs
     * every logit (no top-k, or penalties, which can lift a token from outside the best into them).
     */
    public int candidatesNeeded() {
        if (params.hasPenalties()) {
            return 0;
        }
        return params.isGreedy() ? 1 : Math.max(params.topK(), 0);
    }

    /** Records a token as part of the sequence, for the repetition penalties. */
    public void accept(int token) {
        history.add(token);
    }

    /** Chooses a token; does not {@link #accept} it. */
    public SampledToken sample(Logits logits) {
        int keep = params.isGreedy() ? 1 : params.topK();
        CandidateSet candidates = switch (logits) {
            case Logits.Dense dense -> selectDense(dense.logits(), keep);
            case Logits.Candidates list -> selectListed(list.ids(), list.logits(), keep);
        };
        if (candidates.size == 0) {
            throw new IllegalArgumentException("every logit is NaN: there is no token to sample");
        }
        if (params.isGreedy()) {
            return new SampledToken(candidates.ids[0], 1f);
        }
        double[] probabilities = new double[candidates.size];
        keepTopP(candidates, probabilities);
        keepMinP(candidates);
        for (int i = 0; i < candidates.size; i++) {
            candidates.logits[i] /= params.temperature();
        }
        return draw(candidates, probabilities);
    }

    /** Penalties are written into the caller's array only for the scan, then the old values are put back. */
    private CandidateSet selectDense(float[] logits, int keep) {
        if (!params.hasPenalties()) {
            return CandidateSet.best(logits, keep);
        }
        Map<Integer, Integer> counts = history.counts();
        int[] touched = new int[counts.size()];
        float[] saved = new float[counts.size()];
        int n = 0;
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            int token = e.getKey();
            if (token >= 0 && token < logits.length) {
                touched[n] = token;
                saved[n++] = logits[token];
                logits[token] = penalize(logits[token], e.getValue());
            }
        }
        try {
            return CandidateSet.best(logits, keep);
        } finally {
            for (int i = 0; i < n; i++) {
                logits[touched[i]] = saved[i];
            }
        }
    }

    private CandidateSet selectListed(int[] ids, float[] logits, int keep) {
        if (!params.hasPenalties()) {
            return CandidateSet.best(ids, logits, keep);
        }
        float[] penalized = logits.clone();
        Map<Integer, Integer> counts = history.counts();
        for (int i = 0; i < ids.length; i++) {
            Integer count = counts.get(ids[i]);
            if (count != null) {
                penalized[i] = penalize(penalized[i], count);
            }
        }
        return CandidateSet.best(ids, penalized, keep);
    }

    /** llama.cpp's penalties: divide (or multiply, if ≤ 0) by the repeat penalty, then subtract frequency and presence terms. */
    private float penalize(float logit, int count) {
        float repeated = logit <= 0 ? logit * params.repeatPenalty() : logit / params.repeatPenalty();
        return repeated - count * params.frequencyPenalty() - params.presencePenalty();
    }

    /** Keeps the fewest best tokens whose probabilities sum to at least top-p. */
    private void keepTopP(CandidateSet candidates, double[] probabilities) {
        if (params.topP() >= 1) {
            return;
        }
        candidates.softmax(probabilities);
        double cumulative = 0;
        for (int i = 0; i < candidates.size; i++) {
            cumulative += probabilities[i];
            if (cumulative >= params.topP()) {
                candidates.size = i + 1;
                return;
            }
        }
    }

    /** Keeps tokens at least min-p times as likely as the best one: a cut on logits at best + ln(min-p). */
    private void keepMinP(CandidateSet candidates) {
        if (params.minP() <= 0) {
            return;
        }
        double threshold = candidates.logits[0] + Math.log(params.minP());
        int kept = 1;
        while (kept < candidates.size && candidates.logits[kept] >= threshold) {
            kept++;
        }
        candidates.size = kept;
    }

    private SampledToken draw(CandidateSet candidates, double[] probabilities) {
        candidates.softmax(probabilities);
        double u = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < candidates.size - 1; i++) {
            cumulative += probabilities[i];
            if (u < cumulative) {
                return new SampledToken(candidates.ids[i], (float) probabilities[i]);
            }
        }
        int last = candidates.size - 1; // also where rounding leaves u above the last cumulative sum
        return new SampledToken(candidates.ids[last], (float) probabilities[last]);
    }
}
