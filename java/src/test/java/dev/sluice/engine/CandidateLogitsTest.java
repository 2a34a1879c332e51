package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.sampling.Logits;
import dev.sluice.testing.Golden;
import dev.sluice.sampling.Sampler;
import dev.sluice.sampling.SamplerParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The backend's top-k candidates stand in for the full logits exactly: the same k best as a selection over every
 * logit, and generation through them (greedy, top-k sampling) the same tokens as through the dense path.
 */
class CandidateLogitsTest {
    private static final Path LLAMA3 = Golden.file("models/tiny-llama3-Q4_K_M.gguf");
    private static final int[] PROMPT = {2048, 791, 1062, 1419, 399};

    private static Model open() throws IOException {
        return Model.open(LLAMA3, ModelOptions.builder().backend(Backend.CPU).threads(2).build());
    }

    @Test
    void topKIsTheBestOfTheDenseLogits() throws IOException {
        try (Model model = open(); Session dense = model.newSession(16); Session listed = model.newSession(16)) {
            float[] logits = dense.decode(PROMPT);
            Logits.Candidates best = (Logits.Candidates) listed.decodeTopK(PROMPT, 40);
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
            for (int i = 0; i < 40; i++) {
                assertEquals(order[i], best.ids()[i], "rank " + i);
                assertEquals(logits[order[i]], best.logits()[i], "rank " + i);
            }
        }
    }

    @Test
    void generationThroughCandidatesMatchesTheDensePath() throws IOException {
        for (SamplerParams params : List.of(SamplerParams.greedy(),
                SamplerParams.builder().temperature(0.9f).topK(20).seed(11).build())) {
            try (Model model = open(); Session s = model.newSession(64); Session d = model.newSession(64)) {
                List<Integer> viaCandidates = new ArrayList<>();
                s.generate(PROMPT, GenerationParams.builder().maxTokens(10).sampler(params).build(),
                        t -> viaCandidates.add(t.id()));
                Sampler sampler = new Sampler(params);
                for (int t : PROMPT) {
                    sampler.accept(t);
                }
                List<Integer> viaDense = new ArrayList<>();
                float[] logits = d.decode(PROMPT);
                while (viaDense.size() < viaCandidates.size()) {
                    int token = sampler.sample(Logits.dense(logits)).token();
                    sampler.accept(token);
                    viaDense.add(token);
                    logits = d.decode(new int[] {token});
                }
                assertEquals(viaDense, viaCandidates, "sampler " + params);
            }
        }
    }

    @Test
    void kOutsideItsRangeIsRefused() throws IOException {
        try (Model model = open(); Session s = model.newSession(16)) {
            assertThrows(IllegalArgumentException.class, () -> s.decodeTopK(PROMPT, 0));
            assertThrows(IllegalArgumentException.class, () -> s.decodeTopK(PROMPT, Session.MAX_TOP_K + 1));
            assertArrayEquals(new int[] {0}, new int[] {s.position()});
        }
    }
}
