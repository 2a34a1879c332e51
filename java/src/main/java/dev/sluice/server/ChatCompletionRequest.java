package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The body of {@code POST /v1/chat/completions}; fields the server does not use are ignored. */
record ChatCompletionRequest(
        String model,
        List<Message> messages,
        Integer maxTokens,
        Integer maxCompletionTokens,
        Double temperature,
        Double topP,
        Long seed,
        JsonNode stop,
        Double frequencyPenalty,
        Double presencePenalty,
        Integer n,
        Boolean stream,
        StreamOptions streamOptions) implements SamplingRequest {

    /** {@code content} is a string, an array of parts ({@code {"type": "text", "text": …}}), or null. */
    record Message(String role, JsonNode content) {}
}
