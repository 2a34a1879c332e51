package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;

/** The body of {@code POST /v1/completions}: {@code prompt} is a string or an array of one string. */
record CompletionRequest(
        String model,
        JsonNode prompt,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Long seed,
        JsonNode stop,
        Double frequencyPenalty,
        Double presencePenalty,
        Integer n,
        Boolean stream,
        StreamOptions streamOptions) implements SamplingRequest {}
