package dev.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Slots under contention: turns token by token, a bounded queue (429), time limits, disconnects. */
class SchedulingTest {
    /** With this seed the test model writes ~1500 tokens (about a second) before its end-of-text token. */
    private static final Map<String, Object> LONG = Map.of("prompt", "A long story:", "max_tokens", 2000, "seed", 1);

    /** A long streamed answer, read until its first token arrives. */
    private static BufferedReader openLongStream(Http http) throws Exception {
        Map<String, Object> body = new java.util.HashMap<>(LONG);
        body.put("stream", true);
        HttpRequest request = http.request("/v1/completions").POST(HttpRequest.BodyPublishers.ofString(Http.write(
                body))).build();
        HttpResponse<InputStream> r = Http.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        String line;
        do {
            line = in.readLine();
        } while (line != null && !line.startsWith("data: "));
        return in;
    }

    private static int busySlots(Http http) {
        return http.get("/health").json().get("slots_processing").asInt();
    }

    private static void awaitIdle(Http http) throws InterruptedException {
        awaitIdle(http, Duration.ofSeconds(20));
    }

    private static void awaitIdle(Http http, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (busySlots(http) > 0) {
            assertTrue(System.nanoTime() < deadline, "the slots were not freed");
            Thread.sleep(20);
        }
    }

    @Test
    void aShortAnswerFinishesWhileALongOneStreams() throws Exception {
        try (SluiceServer server = TestServers.startWithLongAnswers(o -> o.parallel(2).contextLength(2048))) {
            Http http = new Http(server);
            try (BufferedReader longStream = openLongStream(http)) {
                Http.Response shortOne = http.post("/v1/completions", Map.of("prompt", "Hi", "max_tokens", 3));
                assertEquals(200, shortOne.status());
                assertEquals(1, busySlots(http), "the long answer is still being generated");
            }
            awaitIdle(http);
        }
    }

    @Test
    void aFullQueueIsRefusedWith429AndRetryAfter() throws Exception {
        try (SluiceServer server =
                TestServers.startWithLongAnswers(o -> o.parallel(1).queue(0).contextLength(2048))) {
            Http http = new Http(server);
            try (BufferedReader longStream = openLongStream(http)) {
                Http.Response refused = http.post("/v1/completions", Map.of("prompt", "Hi", "max_tokens", 3));
                assertEquals(429, refused.status());
                assertEquals("1", refused.header("Retry-After"));
                assertEquals("rate_limit_error", refused.json().get("error").get("type").asText());
            }
            awaitIdle(http);
            assertEquals(200, http.post("/v1/completions", Map.of("prompt", "Hi", "max_tokens", 3)).status());
        }
    }

    @Test
    void theTimeLimitEndsAnAnswerAsLength() {
        try (SluiceServer server = TestServers.startWithLongAnswers(
                o -> o.contextLength(2048).requestTimeout(Duration.ofMillis(100)))) {
            Http.Response r = new Http(server).post("/v1/completions", LONG);
            assertEquals(200, r.status());
            JsonNode choice = r.json().get("choices").get(0);
            assertEquals("length", choice.get("finish_reason").asText());
            assertTrue(r.json().get("usage").get("completion_tokens").asInt() < 2000);
        }
    }

    @Test
    void clientsThatDisconnectFreeTheirSlots() throws Exception {
        try (SluiceServer server = TestServers.startWithLongAnswers(o -> o.parallel(2).contextLength(2048))) {
            Http http = new Http(server);
            CompletableFuture<?>[] clients = new CompletableFuture<?>[8];
            for (int i = 0; i < clients.length; i++) {
                clients[i] = CompletableFuture.runAsync(() -> {
                    try {
                        openLongStream(http).close(); // read one event, then hang up
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            CompletableFuture.allOf(clients).get();
            // Left to finish, the eight answers would keep the two slots busy for ~8 s; cancelled, they end at once.
            awaitIdle(http, Duration.ofSeconds(3));
            assertEquals(0, http.get("/health").json().get("requests_waiting").asInt());
            assertEquals(200, http.post("/v1/completions", Map.of("prompt", "Still there?", "max_tokens", 3)).status());
        }
    }
}
