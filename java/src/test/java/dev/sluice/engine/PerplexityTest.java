package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Perplexity over each golden token sequence agrees with the one its float64 reference rows give. */
class PerplexityTest {
    static List<GoldenCase> cases() throws IOException {
        return GoldenCase.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheReferenceWithinHalfAPercent(GoldenCase c) throws IOException {
        int[] tokens = c.tokens();
        int nCtx = tokens.length;
        float[][] reference = c.referenceRows();
        Perplexity expected = new Perplexity();
        for (int i = PerplexityEvaluator.firstScored(nCtx); i < nCtx - 1; i++) {
            expected.add(reference[i], 0, reference[i].length, tokens[i + 1]);
        }
        try (Model model = Model.open(c.model(), ModelOptions.builder().backend(Backend.CPU).build())) {
            // The golden sequences already start with BOS where the model adds one: keep them as they are.
            Perplexity ours = PerplexityEvaluator.evaluate(model, tokens, nCtx, -1, ppl -> { });
            assertEquals(expected.count(), ours.count());
            assertEquals(expected.perplexity(), ours.perplexity(), 0.005 * expected.perplexity(), c.toString());
        }
    }
}
