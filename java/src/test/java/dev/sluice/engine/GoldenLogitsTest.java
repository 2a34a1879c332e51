package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.sampling.Logits;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole path — Java GGUF reading and validation, the tensor table handed over the ABI, the
 * native forward on the CPU (here) or the GPU (the subclass) — against the float64 reference logits: every row at most as far from it as
 * llama.cpp's own CPU backend lands (floor 1e-3 relative), argmax agreeing on nearly every row.
 */
class GoldenLogitsTest {
    static List<GoldenCase> cases() throws IOException {
        return GoldenCase.all();
    }

    /** The backend under test; {@link CudaGoldenLogitsTest} runs the same checks on the GPU. */
    Backend backend() {
        return Backend.CPU;
    }

    /** How far one batch of tokens may land from the same tokens one by one (other kernels, other sum orders). */
    double batchTolerance() {
        return 1e-5;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void logitsMatchTheReference(GoldenCase c) throws IOException {
        float[][] reference = c.referenceRows();
        float[] ours;
        int nVocab;
        try (Model model = Model.open(c.model(), ModelOptions.builder().backend(backend()).build());
                Session session = model.newSession(c.tokens().length)) {
            nVocab = model.config().nVocab();
            ours = session.decodeAll(c.tokens());
        }
        assertEquals(reference[0].length, nVocab, "vocabulary size");
        double bound = Math.max(c.llamaCppRelErr(), 1e-3);
        int agree = 0;
        for (int row = 0; row < reference.length; row++) {
            float[] mine = Arrays.copyOfRange(ours, row * nVocab, (row + 1) * nVocab);
            double err = relativeError(mine, reference[row]);
            assertTrue(err <= bound, c + " row " + row + ": relative error " + err + " > " + bound);
            if (Logits.argmax(mine) == Logits.argmax(reference[row])) {
                agree++;
            }
        }
        double agreement = agree / (double) reference.length;
        assertTrue(agreement >= Math.min(c.llamaCppArgmaxAgreement(), 0.95),
                c + ": argmax agreement " + agreement + " below llama.cpp's " + c.llamaCppArgmaxAgreement());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void batchAndTokenByTokenAgree(GoldenCase c) throws IOException {
        int n = Math.min(c.tokens().length, 6);
        int[] tokens = Arrays.copyOf(c.tokens(), n);
        try (Model model = Model.open(c.model(), ModelOptions.builder().backend(backend()).build());
                Session batch = model.newSession(n);
                Session single = model.newSession(n)) {
            float[] all = batch.decodeAll(tokens);
            int nVocab = model.config().nVocab();
            float[] last = null;
            for (int t : tokens) {
                last = single.decode(new int[] {t});
            }
            float[] batchLast = Arrays.copyOfRange(all, (n - 1) * nVocab, n * nVocab);
            assertTrue(relativeError(last, batchLast) < batchTolerance(), c + ": batch and token-by-token differ");
            assertArrayEquals(new int[] {n, n}, new int[] {batch.position(), single.position()});
        }
    }

    static double relativeError(float[] a, float[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
            norm += (double) b[i] * b[i];
        }
        return Math.sqrt(diff / norm);
    }
}
