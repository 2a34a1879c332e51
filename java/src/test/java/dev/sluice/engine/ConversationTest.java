package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.chat.ChatMessage;
import dev.sluice.chat.ChatTemplate;
import dev.sluice.sampling.SamplerParams;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A chat keeps its KV cache across turns and still answers exactly as a fresh evaluation would. */
class ConversationTest {
    private static final Path LLAMA3 = Golden.file("models/tiny-llama3-Q4_K_M.gguf");
    private static final GenerationParams GREEDY =
            GenerationParams.builder().maxTokens(5).sampler(SamplerParams.greedy()).build();

    @Test
    void secondTurnReusesTheCacheAndMatchesAFreshEvaluation() throws IOException {
        try (Model model = Model.open(LLAMA3, ModelOptions.builder().backend(Backend.CPU).build());
                Session session = model.newSession(512)) {
            ChatTemplate template = model.chatTemplate(Optional.empty());
            Conversation chat = new Conversation(session, template, "Be brief.");
            chat.reply("Hello", GREEDY, t -> { });
            List<Integer> second = new ArrayList<>();
            Generation g = chat.reply("And then?", GREEDY, t -> second.add(t.id()));

            List<ChatMessage> history = chat.messages().subList(0, chat.messages().size() - 1);
            int[] full = model.promptTokens(template.render(history, true));
            assertTrue(g.stats().promptTokens() < full.length / 2,
                    "the second turn evaluates only what the cache lacks: " + g.stats().promptTokens() + " of " + full.length);
            List<Integer> fresh = new ArrayList<>();
            try (Session s = model.newSession(512)) {
                s.generate(full, GREEDY, t -> fresh.add(t.id()));
            }
            assertEquals(fresh, second);
        }
    }
}
