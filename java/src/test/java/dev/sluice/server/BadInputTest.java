package dev.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a hostile or careless client may send: each gets a 4xx OpenAI error object naming the problem,
 * never a 5xx or a stack trace, and the server keeps serving.
 */
class BadInputTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String VALID = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],\"max_tokens\":2}";
    private static SluiceServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = TestServers.start(o -> o.maxBodyBytes(1 << 20));
        http = new Http(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void stillServing() {
        assertEquals(200, http.post(CHAT, VALID).status());
    }

    /** A 400 OpenAI error object, with {@code param} when given, and no trace of Java in it. */
    private static JsonNode assert400(Http.Response r, String param) {
        assertEquals(400, r.status(), () -> String.valueOf(r.json()));
        JsonNode error = r.json().get("error");
        assertEquals("invalid_request_error", error.get("type").asText());
        assertFalse(error.get("message").asText().isBlank());
        assertFalse(r.json().toString().contains("\tat ") || r.json().toString().contains("Exception"), r.json().toString());
        if (param != null) {
            assertEquals(param, error.get("param").asText(), error.toString());
        }
        return error;
    }

    @Test
    void everyTruncationOfAValidBodyIs400() {
        for (int cut = 0; cut < VALID.length(); cut++) {
            assert400(http.post(CHAT, VALID.substring(0, cut)), null);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "[]", "\"text\"", "42", "{", "{]", "{\"messages\": [}", "{'messages': []}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} trailing", "\u0000\u0001"})
    void malformedJsonIs400(String body) {
        assert400(http.post(CHAT, body), null);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "messages=\"hello\"", "max_tokens=\"10\"", "max_tokens=1.5", "max_tokens=true", "temperature=\"hot\"",
        "stream=\"yes\"", "stop=5", "stop=[1]", "seed=\"x\"", "seed=1e400", "n=\"1\"", "top_p=[]", "stream_options=3",
        "max_tokens=99999999999999999999"})
    void wrongTypesAre400NamingTheField(String field) {
        String[] kv = field.split("=", 2);
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"" + kv[0] + "\":" + kv[1] + "}";
        JsonNode error = assert400(http.post(CHAT, body), null);
        assertTrue(error.get("param").asText().startsWith(kv[0]), error.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"role\":5,\"content\":\"x\"}", "{\"role\":\"wizard\",\"content\":\"x\"}",
        "{\"role\":\"user\",\"content\":5}", "{\"role\":\"user\"}", "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}",
        "7", "null"})
    void badMessagesAre400(String message) {
        JsonNode error = assert400(http.post(CHAT, "{\"messages\":[" + message + "]}"), null);
        assertTrue(error.get("param").asText().startsWith("messages[0]"), error.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"max_tokens=-1", "max_tokens=0", "max_tokens=1000000000", "max_completion_tokens=-5",
        "temperature=-0.1", "temperature=2.5", "top_p=1.01", "frequency_penalty=3", "presence_penalty=-2.5", "n=0",
        "stop=[\"a\",\"b\",\"c\",\"d\",\"e\"]"})
    void outOfRangeParametersAre400(String field) {
        String[] kv = field.split("=", 2);
        assert400(http.post(CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"" + kv[0] + "\":" + kv[1] + "}"),
                kv[0]);
    }

    @Test
    void noMessagesIs400() {
        assert400(http.post(CHAT, "{\"messages\":[]}"), "messages");
        assert400(http.post(CHAT, "{}"), "messages");
        assert400(http.post("/v1/completions", "{\"prompt\":7}"), "prompt");
    }

    @Test
    void aPromptLongerThanTheContextNamesBothNumbers() {
        String message = assert400(http.post("/v1/completions", Map.of("prompt", "word ".repeat(3000))), "prompt")
                .get("message").asText();
        assertTrue(message.matches(".*\\d{4} tokens.*\\b" + server.contextLength() + "\\b.*"), message);
    }

    @Test
    void thousandsOfMessagesAreRefusedByLength() {
        List<Map<String, String>> messages = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            messages.add(Map.of("role", i % 2 == 0 ? "user" : "assistant", "content", "m" + i));
        }
        String message = assert400(http.post(CHAT, Map.of("messages", messages)), "messages").get("message").asText();
        assertTrue(message.contains(Integer.toString(server.contextLength())), message);
    }

    @Test
    void deepNestingIs400() {
        assert400(http.post(CHAT, "{\"messages\":" + "[".repeat(100_000)), null);
    }

    @Test
    void invalidUtf8Is400() {
        byte[] body = VALID.replace("Hello", "H\u00ffllo").getBytes(StandardCharsets.ISO_8859_1); // 0xFF: never UTF-8
        assert400(http.postBytes(CHAT, body), null);
        byte[] truncated = Arrays.copyOf(VALID.getBytes(StandardCharsets.UTF_8), 40);
        truncated[39] = (byte) 0xE2; // the first byte of a three-byte sequence, then the end
        assert400(http.postBytes(CHAT, truncated), null);
    }

    @Test
    void loneSurrogatesAreText() {
        Http.Response r = http.post(CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800 x \\udfff\"}],\"max_tokens\":2}");
        assertEquals(200, r.status(), () -> r.json().toString());
    }

    @Test
    void aHundredMegabyteBodyIs413() throws Exception {
        byte[] big = new byte[100 << 20];
        Arrays.fill(big, (byte) ' ');
        assert413(http.request(CHAT).POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
        // Without a Content-Length (chunked), the limit applies while reading.
        assert413(http.request(CHAT).POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(big))).build());
    }

    private static void assert413(HttpRequest request) throws InterruptedException {
        try {
            HttpResponse<String> r = Http.client().send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(413, r.statusCode(), r.body());
            assertEquals("request_too_large", Http.parse(r.body()).get("error").get("code").asText());
        } catch (IOException e) {
            // The server may close the connection before the client has finished sending: refused all the same.
        }
    }

    @Test
    void aRequestIsNotAFileServer() throws IOException, InterruptedException {
        for (String path : List.of("/", "/index.html", "/v1/../pom.xml", "/%2e%2e/%2e%2e/etc/passwd")) {
            HttpResponse<InputStream> r = Http.client().send(http.request(path).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertTrue(r.statusCode() == 404 || r.statusCode() == 400, path + ": " + r.statusCode());
            r.body().close();
        }
    }
}
