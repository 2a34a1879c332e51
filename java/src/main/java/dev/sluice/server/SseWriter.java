package dev.sluice.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events framed byte for byte as OpenAI frames them ({@code data: {json}\n\n}, then
 * {@code data: [DONE]}): clients that split on {@code "data: "} rely on the space, which Helidon's
 * own SSE sink leaves out. Each event is flushed so the client sees every token as it is made.
 */
final class SseWriter {
    private static final byte[] PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;

    SseWriter(OutputStream out) {
        this.out = out;
    }

    /** Throws when the client has gone away. */
    void event(Object data) throws IOException {
        out.write(PREFIX);
        out.write(Json.write(data));
        out.write(END);
        out.flush();
    }

    void done() throws IOException {
        out.write(DONE);
        out.flush();
    }
}
