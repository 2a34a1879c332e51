package dev.sluice.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** Writes whole JSON answers and OpenAI error objects. */
final class Responses {
    private Responses() {}

    static void json(ServerResponse res, Status status, Object body) {
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.write(body));
    }

    static void error(ServerResponse res, ApiException e) {
        if (e.retryAfterSeconds() > 0) {
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
        }
        json(res, e.status(), e.body());
    }
}
