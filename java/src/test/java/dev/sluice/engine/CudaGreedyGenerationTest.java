package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.sampling.Logits;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Greedy generation on the GPU (device argmax through the sampler) against the CPU's (every logit, float math)
 * on the golden prompts: the same tokens, except after a near-tie, a step where the CPU's two best logits are
 * closer than the GPU's rounding can separate. Such a step ends the comparison and is reported.
 */
@Tag("gpu")
class CudaGreedyGenerationTest {
    private static final int STEPS = 12;
    /** Logit gap under which int8/fp16 rounding may swap the two best tokens of these random-weight models. */
    private static final double NEAR_TIE = 0.05;

    static List<GoldenCase> cases() throws IOException {
        return GoldenCase.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameTokensAsTheCpuExceptAtNearTies(GoldenCase c) throws IOException {
        int[] prompt = Arrays.copyOf(c.tokens(), c.promptTokens());
        List<Integer> cpu = new ArrayList<>();
        List<Double> margins = new ArrayList<>();
        try (Model model = Model.open(c.model(), ModelOptions.builder().backend(Backend.CPU).build());
                Session s = model.newSession(prompt.length + STEPS)) {
            float[] logits = s.decode(prompt);
            for (int i = 0; i < STEPS; i++) {
                int best = Logits.argmax(logits);
                cpu.add(best);
                margins.add(topTwoMargin(logits));
                logits = s.decode(new int[] {best});
            }
        }
        List<Integer> gpu = new ArrayList<>();
        try (Model model = Model.open(c.model(), ModelOptions.builder().backend(Backend.CUDA).build());
                Session s = model.newSession(prompt.length + STEPS)) {
            GenerationParams params = GenerationParams.builder().maxTokens(STEPS)
                    .sampler(dev.sluice.sampling.SamplerParams.greedy()).build();
            Generation g = s.generate(prompt, params);
            g.forEachRemaining(t -> gpu.add(t.id()));
        }
        for (int i = 0; i < Math.min(cpu.size(), gpu.size()); i++) {
            if (!cpu.get(i).equals(gpu.get(i))) {
                assertTrue(margins.get(i) < NEAR_TIE, c + ": step " + i + " GPU chose " + gpu.get(i) + ", CPU "
                        + cpu.get(i) + " with a top-2 margin of " + margins.get(i));
                System.out.printf("%s: near-tie at step %d (CPU top-2 margin %.4f): compared %d tokens%n", c, i,
                        margins.get(i), i);
                return;
            }
        }
        assertTrue(!gpu.isEmpty(), c + ": the GPU generated nothing");
    }

    private static double topTwoMargin(float[] logits) {
        int best = Logits.argmax(logits);
        double second = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (i != best && logits[i] > second) {
                second = logits[i];
            }
        }
        return logits[best] - second;
    }
}
