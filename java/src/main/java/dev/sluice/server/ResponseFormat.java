package dev.sluice.server;

import java.util.Optional;

/**
 * The JSON shapes of one endpoint's answers, for one request (they share its id and timestamp):
 * the whole answer at once, or the chunks of a stream.
 */
interface ResponseFormat {
    Object complete(String text, String finishReason, Usage usage);

    /** What a stream starts with before any text (the chat's role), if anything. */
    Optional<Object> opening();

    Object chunk(String text);

    /** The chunk that carries the finish reason. */
    Object closing(String finishReason);

    /** The chunk of {@code stream_options.include_usage}: no choices, the token counts. */
    Object usage(Usage usage);
}
