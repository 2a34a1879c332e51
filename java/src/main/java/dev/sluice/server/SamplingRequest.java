package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;

/** The fields that {@code /v1/chat/completions} and {@code /v1/completions} share: how to generate. */
interface SamplingRequest {
    Double temperature();

    Double topP();

    Long seed();

    /** A string, an array of strings, or null. */
    JsonNode stop();

    Double frequencyPenalty();

    Double presencePenalty();

    Integer n();

    Boolean stream();

    StreamOptions streamOptions();

    /** {@code stream_options}: {@code include_usage} adds a last chunk with the token counts. */
    record StreamOptions(Boolean includeUsage) {}
}
