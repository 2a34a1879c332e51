package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.sampling.SamplerParams;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code Session.generate(prompt, cached, params)}: reusing a cached prefix gives what a fresh session gives. */
class PromptCacheTest {
    private static final Path LLAMA3 = Golden.file("models/tiny-llama3-Q4_K_M.gguf");
    /** Sampled, with penalties: they must still see the whole prompt, not only the part evaluated. */
    private static final GenerationParams PARAMS = GenerationParams.builder().maxTokens(8).sampler(SamplerParams
            .builder().temperature(1.0f).seed(9).presencePenalty(1.5f).frequencyPenalty(0.5f).build()).build();

    private static List<Integer> ids(Generation g) {
        List<Integer> out = new ArrayList<>();
        g.forEachRemaining(t -> out.add(t.id()));
        return out;
    }

    @Test
    void aCachedPrefixIsNotEvaluatedAgainAndChangesNothing() throws IOException {
        try (Model model = Model.open(LLAMA3, ModelOptions.builder().backend(Backend.CPU).threads(2).build());
                Session cachedSession = model.newSession(128); Session fresh = model.newSession(128)) {
            int[] prompt = model.tokenizer().encode("The river runs through the sluice gate every day");
            int prefix = prompt.length - 3;
            cachedSession.feed(Arrays.copyOf(prompt, prefix + 1)); // one token more than will be reused
            Generation reusing = cachedSession.generate(prompt, prefix, PARAMS);
            List<Integer> reused = ids(reusing);
            assertEquals(3, reusing.stats().promptTokens(), "only the tokens after the prefix are evaluated");
            assertEquals(ids(fresh.generate(prompt, PARAMS)), reused);
        }
    }

    @Test
    void theCachedPrefixMustBeShorterThanThePromptAndHeld() throws IOException {
        try (Model model = Model.open(LLAMA3, ModelOptions.builder().backend(Backend.CPU).threads(2).build());
                Session s = model.newSession(64)) {
            int[] prompt = model.tokenizer().encode("Hello there");
            assertThrows(IllegalArgumentException.class, () -> s.generate(prompt, 1, PARAMS), "nothing is cached yet");
            s.feed(prompt);
            assertThrows(IllegalArgumentException.class, () -> s.generate(prompt, prompt.length, PARAMS));
        }
    }
}
