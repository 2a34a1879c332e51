package dev.sluice.server;

import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads a request body into memory, refusing (413) one larger than the limit before or while reading it. */
final class Bodies {
    private Bodies() {}

    static byte[] read(ServerRequest req, int limit) {
        if (req.headers().contentLength().orElse(0) > limit) {
            throw ApiException.tooLarge(limit);
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                throw ApiException.tooLarge(limit);
            }
            return body;
        } catch (IOException | UncheckedIOException e) {
            throw ApiException.invalid(null, "the request body could not be read");
        }
    }
}
