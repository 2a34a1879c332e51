package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ContextFullException;
import dev.sluice.sampling.SamplerParams;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The public engine API on a golden model: sessions, generation, stop conditions, context limits. */
class EngineTest {
    private static final Path LLAMA3 = Golden.file("models/tiny-llama3-Q4_K_M.gguf");

    private static Model open() throws IOException {
        return Model.open(LLAMA3, ModelOptions.builder().backend(Backend.CPU).threads(2).build());
    }

    private static List<Integer> generate(Model model, String prompt, GenerationParams params) {
        try (Session s = model.newSession(256)) {
            List<Integer> ids = new ArrayList<>();
            s.generate(model.tokenizer().encode(prompt), params, t -> ids.add(t.id()));
            return ids;
        }
    }

    @Test
    void greedyGenerationIsDeterministic() throws IOException {
        try (Model model = open()) {
            GenerationParams greedy = GenerationParams.builder().maxTokens(12).sampler(SamplerParams.greedy()).build();
            List<Integer> first = generate(model, "Once upon a time", greedy);
            assertEquals(first, generate(model, "Once upon a time", greedy));
            assertTrue(first.size() <= 12 && !first.isEmpty());
        }
    }

    @Test
    void aSeedReproducesSampledText() throws IOException {
        try (Model model = open()) {
            GenerationParams seeded = GenerationParams.builder().maxTokens(10)
                    .sampler(SamplerParams.builder().temperature(1.0f).seed(7).build()).build();
            assertEquals(generate(model, "The", seeded), generate(model, "The", seeded));
        }
    }

    @Test
    void stopsAtMaxTokensAndReportsIt() throws IOException {
        try (Model model = open(); Session s = model.newSession(64)) {
            GenerationParams p = GenerationParams.builder().maxTokens(3).sampler(SamplerParams.greedy()).build();
            Generation g = s.generate(model.tokenizer().encode("Hello"), p);
            int n = 0;
            while (g.hasNext()) {
                g.next();
                n++;
            }
            if (g.stopReason() == StopReason.MAX_TOKENS) {
                assertEquals(3, n);
            } else {
                assertEquals(StopReason.END_OF_GENERATION, g.stopReason());
            }
            assertEquals(n, g.stats().generatedTokens());
        }
    }

    @Test
    void cancelEndsBeforeTheNextToken() throws IOException {
        try (Model model = open(); Session s = model.newSession(64)) {
            Generation g = s.generate(model.tokenizer().encode("Hello"),
                    GenerationParams.builder().sampler(SamplerParams.greedy()).build());
            g.cancel();
            assertTrue(!g.hasNext());
            assertEquals(StopReason.CANCELLED, g.stopReason());
        }
    }

    @Test
    void fullContextEndsGenerationCleanly() throws IOException {
        try (Model model = open(); Session s = model.newSession(8)) {
            int[] prompt = model.tokenizer().encode("one two three");
            Generation g = s.generate(prompt, GenerationParams.builder().sampler(SamplerParams.greedy()).build());
            g.forEachRemaining(t -> { });
            assertTrue(g.stopReason() == StopReason.CONTEXT_FULL || g.stopReason() == StopReason.END_OF_GENERATION);
            assertTrue(s.position() <= 8);
        }
    }

    @Test
    void decodingPastTheContextIsAClearError() throws IOException {
        try (Model model = open(); Session s = model.newSession(4)) {
            s.decode(new int[] {1, 2, 3});
            ContextFullException e = assertThrows(ContextFullException.class, () -> s.decode(new int[] {4, 5}));
            assertTrue(e.getMessage().contains("3 of 4"), e.getMessage());
            assertEquals(3, s.position(), "a refused decode leaves the session as it was");
        }
    }

    @Test
    void aPromptLongerThanTheContextIsRefusedBeforeAnyWork() throws IOException {
        try (Model model = open(); Session s = model.newSession(8)) {
            int[] prompt = new int[9];
            GenerationParams p = GenerationParams.builder().sampler(SamplerParams.greedy()).build();
            ContextFullException e = assertThrows(ContextFullException.class, () -> s.generate(prompt, p));
            assertTrue(e.getMessage().contains("9 tokens"), e.getMessage());
            assertEquals(0, s.position());
        }
    }

    @Test
    void longPromptsRunInBatchesWithProgress() throws IOException {
        try (Model model = open(); Session s = model.newSession(1200)) {
            int[] prompt = new int[1100];
            java.util.Arrays.fill(prompt, 42);
            List<Integer> progress = new ArrayList<>();
            Generation g = s.generate(prompt, GenerationParams.builder().maxTokens(1).sampler(SamplerParams.greedy())
                    .build()).onPromptProgress(progress::add);
            g.forEachRemaining(t -> { });
            assertEquals(List.of(512, 1024, 1100), progress);
        }
    }

    @Test
    void truncateRollsBackToTheSameLogits() throws IOException {
        try (Model model = open(); Session s = model.newSession(16)) {
            float[] first = s.decode(new int[] {5, 6, 7});
            s.decode(new int[] {8, 9});
            s.truncate(2);
            assertArrayEquals(first, s.decode(new int[] {7}), 1e-5f);
        }
    }

    @Test
    void outOfVocabularyTokensAreRejected() throws IOException {
        try (Model model = open(); Session s = model.newSession(16)) {
            assertThrows(IllegalArgumentException.class, () -> s.decode(new int[] {model.config().nVocab()}));
            assertThrows(IllegalArgumentException.class, () -> s.decode(new int[] {-1}));
        }
    }

    @Test
    void closingTheModelClosesItsSessions() throws IOException {
        Model model = open();
        Session s = model.newSession(8);
        model.close();
        assertThrows(IllegalStateException.class, s::position);
        assertThrows(IllegalStateException.class, () -> model.newSession(8));
    }
}
