package dev.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The endpoints as an OpenAI client sees them: shapes, streaming, stops, seeds, usage, the prompt cache. */
class ServerApiTest {
    private static SluiceServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = TestServers.start();
        http = new Http(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Map<String, Object> chat(String user, Object... extra) {
        Map<String, Object> body = new HashMap<>();
        body.put("model", "any");
        body.put("messages", List.of(Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", user)));
        for (int i = 0; i < extra.length; i += 2) {
            body.put((String) extra[i], extra[i + 1]);
        }
        return body;
    }

    @Test
    void healthAndModels() {
        Http.Response health = http.get("/health");
        assertEquals(200, health.status());
        assertEquals("ok", health.json().get("status").asText());
        Http.Response models = http.get("/v1/models");
        assertEquals(200, models.status());
        assertEquals("list", models.json().get("object").asText());
        assertEquals(server.modelId(), models.json().get("data").get(0).get("id").asText());
    }

    @Test
    void chatCompletionHasOpenAisShapeAndCounts() {
        Http.Response r = http.post("/v1/chat/completions", chat("Hello", "max_tokens", 8, "seed", 1));
        assertEquals(200, r.status(), () -> r.json().toString());
        JsonNode j = r.json();
        assertTrue(j.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", j.get("object").asText());
        assertEquals(server.modelId(), j.get("model").asText());
        JsonNode choice = j.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertTrue(choice.get("message").get("content").isTextual());
        JsonNode usage = j.get("usage");
        int completion = usage.get("completion_tokens").asInt();
        assertTrue(completion >= 1 && completion <= 8, usage.toString());
        assertEquals(usage.get("prompt_tokens").asInt() + completion, usage.get("total_tokens").asInt());
        assertEquals(completion == 8 ? "length" : "stop", choice.get("finish_reason").asText());
    }

    @Test
    void streamedChatEqualsTheWholeAnswerAndEndsWithDone() {
        Map<String, Object> body = chat("Tell me", "max_tokens", 12, "seed", 5, "temperature", 1.0);
        String whole = http.post("/v1/chat/completions", body).json().get("choices").get(0).get("message")
                .get("content").asText();
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        Http.Stream s = http.stream("/v1/chat/completions", body);
        assertEquals(200, s.status());
        assertEquals("[DONE]", s.events().getLast());
        List<JsonNode> chunks = s.chunks();
        assertEquals("assistant", chunks.getFirst().get("choices").get(0).get("delta").get("role").asText());
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (JsonNode c : chunks) {
            assertEquals("chat.completion.chunk", c.get("object").asText());
            for (JsonNode choice : c.get("choices")) {
                text.append(choice.get("delta").path("content").asText(""));
                if (!choice.get("finish_reason").isNull()) {
                    finish = choice.get("finish_reason").asText();
                }
            }
        }
        assertEquals(whole, text.toString());
        assertNotNull(finish);
        JsonNode usage = chunks.getLast();
        assertEquals(0, usage.get("choices").size());
        assertTrue(usage.get("usage").get("completion_tokens").asInt() >= 1);
    }

    @Test
    void completionsPlainAndStreamed() {
        Map<String, Object> body = new HashMap<>(Map.of("prompt", "Once upon a time", "max_tokens", 6, "seed", 3));
        Http.Response r = http.post("/v1/completions", body);
        assertEquals(200, r.status(), () -> r.json().toString());
        assertEquals("text_completion", r.json().get("object").asText());
        String text = r.json().get("choices").get(0).get("text").asText();
        body.put("stream", true);
        Http.Stream s = http.stream("/v1/completions", body);
        StringBuilder streamed = new StringBuilder();
        s.chunks().forEach(c -> c.get("choices").forEach(ch -> streamed.append(ch.get("text").asText())));
        assertEquals(text, streamed.toString());
        assertEquals("[DONE]", s.events().getLast());
    }

    @Test
    void aSeedReproducesTheAnswer() {
        Map<String, Object> body = chat("Seeded", "max_tokens", 10, "seed", 42, "temperature", 1.5);
        assertEquals(content(http.post("/v1/chat/completions", body)), content(http.post("/v1/chat/completions", body)));
    }

    @Test
    void aStopStringEndsTheAnswerBeforeIt() {
        Map<String, Object> body = chat("Stop", "max_tokens", 24, "temperature", 0);
        String free = content(http.post("/v1/chat/completions", body));
        assertTrue(free.length() >= 4, "needs some text to cut: " + free);
        String stop = free.substring(free.length() / 2, free.length() / 2 + 2);
        body.put("stop", List.of(stop, "\u0000never"));
        Http.Response r = http.post("/v1/chat/completions", body);
        assertEquals(free.substring(0, free.indexOf(stop)), content(r));
        assertEquals("stop", r.json().get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void aFollowUpReusesTheSlotsCache() {
        Map<String, Object> first = chat("Remember this long sentence about rivers and sluices and water.",
                "max_tokens", 4, "temperature", 0);
        Http.Response a = http.post("/v1/chat/completions", first);
        String reply = content(a);
        Map<String, Object> second = new HashMap<>(first);
        second.put("messages", List.of(Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Remember this long sentence about rivers and sluices and water."),
                Map.of("role", "assistant", "content", reply), Map.of("role", "user", "content", "And?")));
        Http.Response b = http.post("/v1/chat/completions", second);
        int firstPrompt = a.json().get("usage").get("prompt_tokens").asInt();
        int cached = b.json().get("usage").get("prompt_tokens_details").get("cached_tokens").asInt();
        assertTrue(cached >= firstPrompt - 1, "the follow-up reuses the first prompt's KV: " + cached + " of " + firstPrompt);
        assertTrue(cached < b.json().get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void unknownFieldsAreIgnoredAndNullsAreDefaults() {
        Map<String, Object> body = chat("Hi", "max_tokens", 2, "logit_bias", Map.of("1", 2), "user", "u-1",
                "tools", List.of());
        body.put("temperature", null);
        assertEquals(200, http.post("/v1/chat/completions", body).status());
    }

    @Test
    void unknownEndpointsAre404ErrorObjects() {
        Http.Response r = http.get("/v1/files");
        assertEquals(404, r.status());
        assertEquals("invalid_request_error", r.json().get("error").get("type").asText());
        assertEquals(404, http.get("/../../etc/passwd").status());
    }

    @Test
    void onlyOneChoice() {
        Http.Response r = http.post("/v1/chat/completions", chat("Hi", "n", 2));
        assertEquals(400, r.status());
        assertEquals("n", r.json().get("error").get("param").asText());
    }

    static String content(Http.Response r) {
        assertEquals(200, r.status(), () -> String.valueOf(r.json()));
        return r.json().get("choices").get(0).get("message").get("content").asText();
    }
}
