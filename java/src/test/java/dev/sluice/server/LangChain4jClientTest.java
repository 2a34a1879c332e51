package dev.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a Java user does: LangChain4j's OpenAI models pointed at the server, with an API key. */
class LangChain4jClientTest {
    private static final String KEY = "sk-test-langchain4j";
    private static SluiceServer server;

    @BeforeAll
    static void start() {
        server = TestServers.start(o -> o.apiKey(KEY));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    private static OpenAiChatModel chatModel(String key) {
        return OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey(key).modelName(server.modelId())
                .maxTokens(8).seed(11).temperature(0.9).timeout(Duration.ofSeconds(60)).maxRetries(0).build();
    }

    private static ChatRequest request() {
        return ChatRequest.builder().messages(SystemMessage.from("Be brief."), UserMessage.from("What is a sluice?")).build();
    }

    @Test
    void chatModelAnswersWithUsageAndFinishReason() {
        ChatResponse r = chatModel(KEY).chat(request());
        assertTrue(r.tokenUsage().inputTokenCount() > 5, r.toString());
        int output = r.tokenUsage().outputTokenCount();
        assertTrue(output >= 1 && output <= 8, r.toString());
        assertEquals(output == 8 ? FinishReason.LENGTH : FinishReason.STOP, r.finishReason());
        assertEquals(r.aiMessage().text(), chatModel(KEY).chat(request()).aiMessage().text(), "seeded: same answer");
    }

    @Test
    void streamingChatModelStreamsTheSameAnswer() throws Exception {
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl()).apiKey(KEY)
                .modelName(server.modelId()).maxTokens(8).seed(11).temperature(0.9).timeout(Duration.ofSeconds(60))
                .build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request(), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals(r.aiMessage().text(), partial.toString());
        assertEquals(chatModel(KEY).chat(request()).aiMessage().text(), partial.toString());
        assertTrue(r.tokenUsage() == null || r.tokenUsage().outputTokenCount() >= 1);
    }

    @Test
    void aWrongKeyIsRefused() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> chatModel("sk-wrong").chat(request()));
        assertTrue(String.valueOf(e.getMessage()).contains("API key"), e.toString());
    }
}
