package dev.sluice.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final int DRAWS = 20_000;

    /** Logits whose softmax is exactly {@code probabilities}. */
    private static float[] logitsOf(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.log(probabilities[i]);
        }
        return logits;
    }

    /** Plain sampling at temperature 1 with every cut off, then {@code cut} applied. */
    private static SamplerParams.Builder neutral() {
        return SamplerParams.builder().temperature(1).topK(0).topP(1).minP(0).seed(42);
    }

    private static double[] frequencies(SamplerParams params, float[] logits) {
        Sampler sampler = new Sampler(params);
        double[] counts = new double[logits.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[sampler.sample(Logits.dense(logits)).token()]++;
        }
        return Arrays.stream(counts).map(c -> c / DRAWS).toArray();
    }

    private static void assertDistribution(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0) {
                assertEquals(0, actual[i], "token " + i + " must never be drawn");
            } else {
                assertEquals(expected[i], actual[i], 0.015, "frequency of token " + i);
            }
        }
    }

    private static final float[] FOUR = logitsOf(0.5, 0.3, 0.15, 0.05);

    @Test
    void plainSamplingFollowsTheSoftmax() {
        assertDistribution(new double[] {0.5, 0.3, 0.15, 0.05}, frequencies(neutral().build(), FOUR));
    }

    @Test
    void topKKeepsTheKBestRenormalised() {
        assertDistribution(new double[] {0.5 / 0.8, 0.3 / 0.8, 0, 0}, frequencies(neutral().topK(2).build(), FOUR));
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        assertDistribution(new double[] {0.5 / 0.8, 0.3 / 0.8, 0, 0}, frequencies(neutral().topP(0.75f).build(), FOUR));
        assertDistribution(new double[] {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}, frequencies(neutral().topP(0.85f).build(), FOUR));
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        // 0.2 × 0.5 = 0.1: only 0.05 is dropped; 0.35 × 0.5 = 0.175: 0.15 goes too
        assertDistribution(new double[] {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}, frequencies(neutral().minP(0.2f).build(), FOUR));
        assertDistribution(new double[] {0.5 / 0.8, 0.3 / 0.8, 0, 0}, frequencies(neutral().minP(0.35f).build(), FOUR));
    }

    @Test
    void temperatureSharpensTheDistribution() {
        // at T = 0.5 probabilities go as p², renormalised
        double sum = 0.25 + 0.09 + 0.0225 + 0.0025;
        assertDistribution(new double[] {0.25 / sum, 0.09 / sum, 0.0225 / sum, 0.0025 / sum},
                frequencies(neutral().temperature(0.5f).build(), FOUR));
    }

    @Test
    void theSameSeedReproducesARunAndAnotherSeedDoesNot() {
        assertArrayEquals(run(7), run(7));
        assertNotEquals(Arrays.toString(run(7)), Arrays.toString(run(8)));
    }

    private static int[] run(long seed) {
        Sampler sampler = new Sampler(neutral().seed(seed).build());
        float[] flat = new float[1000];
        return java.util.stream.IntStream.range(0, 100).map(i -> sampler.sample(Logits.dense(flat)).token()).toArray();
    }

    @Test
    void greedyPicksTheHighestLogitWithProbabilityOne() {
        SampledToken token = new Sampler(SamplerParams.greedy()).sample(Logits.dense(new float[] {0.1f, 3f, Float.NaN, 2f}));
        assertEquals(new SampledToken(1, 1f), token);
    }

    private static int greedyAfter(SamplerParams.Builder params, float[] logits, int... history) {
        Sampler sampler = new Sampler(params.temperature(0).build());
        Arrays.stream(history).forEach(sampler::accept);
        return sampler.sample(Logits.dense(logits)).token();
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegativeLogitsOfRecentTokensOnly() {
        SamplerParams.Builder repeat = SamplerParams.builder().repeatPenalty(2);
        assertEquals(1, greedyAfter(repeat, new float[] {1f, 1.5f}));
        assertEquals(0, greedyAfter(repeat, new float[] {1f, 1.5f}, 1)); // 1.5 / 2 = 0.75
        assertEquals(1, greedyAfter(repeat, new float[] {1f, 1.5f}, 0)); // 1 / 2 = 0.5
        assertEquals(1, greedyAfter(repeat, new float[] {-1f, -1.5f}, 0)); // -1 × 2 = -2
    }

    @Test
    void frequencyPenaltyScalesWithCountAndPresencePenaltyDoesNot() {
        float[] logits = {1f, 1.25f};
        SamplerParams.Builder frequency = SamplerParams.builder().frequencyPenalty(0.2f);
        assertEquals(1, greedyAfter(frequency, logits, 1)); // 1.25 - 0.2
        assertEquals(0, greedyAfter(frequency, logits, 1, 1)); // 1.25 - 0.4
        SamplerParams.Builder presence = SamplerParams.builder().presencePenalty(0.2f);
        assertEquals(1, greedyAfter(presence, logits, 1, 1, 1)); // 1.25 - 0.2 whatever the count
    }

    @Test
    void penaltiesOnlyLookAtTheLastNTokens() {
        SamplerParams.Builder window = SamplerParams.builder().repeatPenalty(2).penaltyLastN(2);
        assertEquals(0, greedyAfter(window, new float[] {1f, 1.5f, 0f, 0f}, 1, 2));
        assertEquals(1, greedyAfter(window, new float[] {1f, 1.5f, 0f, 0f}, 1, 2, 3));
    }

    @Test
    void theCallersLogitsAreLeftAsTheyWere() {
        float[] logits = {1f, 1.5f, -2f};
        Sampler sampler = new Sampler(SamplerParams.builder().repeatPenalty(1.3f).frequencyPenalty(0.5f).seed(1).build());
        sampler.accept(1);
        sampler.accept(2);
        sampler.sample(Logits.dense(logits));
        assertArrayEquals(new float[] {1f, 1.5f, -2f}, logits);
    }

    @Test
    void candidateListsSampleLikeTheDenseArrayTheyWereCutFrom() {
        float[] dense = new float[5000];
        for (int i = 0; i < dense.length; i++) {
            dense[i] = (float) Math.sin(i * 0.37) * 4;
        }
        int[] top = CandidateSet.best(dense, 40).ids;
        float[] topLogits = new float[top.length];
        for (int i = 0; i < top.length; i++) {
            topLogits[i] = dense[top[i]];
        }
        SamplerParams params = SamplerParams.builder().seed(3).build();
        Sampler fromDense = new Sampler(params);
        Sampler fromList = new Sampler(params);
        for (int step = 0; step < 200; step++) {
            int a = fromDense.sample(Logits.dense(dense)).token();
            int b = fromList.sample(Logits.candidates(top, topLogits)).token();
            assertEquals(a, b, "step " + step);
            fromDense.accept(a);
            fromList.accept(b);
        }
    }

    @Test
    void defaultsAreLlamaCpps() {
        SamplerParams p = SamplerParams.builder().build();
        assertEquals(0.8f, p.temperature());
        assertEquals(40, p.topK());
        assertEquals(0.95f, p.topP());
        assertEquals(0.05f, p.minP());
        assertEquals(1f, p.repeatPenalty());
        assertEquals(64, p.penaltyLastN());
    }

    @Test
    void invalidParametersAndInputsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SamplerParams.builder().topP(0).build());
        assertThrows(IllegalArgumentException.class, () -> SamplerParams.builder().repeatPenalty(0).build());
        assertThrows(IllegalArgumentException.class, () -> SamplerParams.builder().temperature(Float.NaN).build());
        Sampler sampler = new Sampler(SamplerParams.greedy());
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(Logits.dense(new float[] {Float.NaN})));
        assertThrows(IllegalArgumentException.class, () -> Logits.candidates(new int[] {1}, new float[0]));
    }
}
