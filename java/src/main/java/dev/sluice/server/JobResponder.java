package dev.sluice.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Turns a job's events into the HTTP answer: one JSON object, or a stream of server-sent events. */
final class JobResponder {
    private JobResponder() {}

    static void respond(Job job, ResponseFormat format, boolean stream, boolean includeUsage, ServerResponse res)
            throws InterruptedException {
        try {
            if (stream) {
                stream(job, format, includeUsage, res);
            } else {
                whole(job, format, res);
            }
        } finally {
            // However this thread leaves (done, client gone, Helidon closing the connection), the job ends
            // with it; cancelling a finished job does nothing.
            job.cancel();
        }
    }

    private static void whole(Job job, ResponseFormat format, ServerResponse res) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        while (true) {
            switch (job.next()) {
                case Job.Text t -> text.append(t.text());
                case Job.Done d -> {
                    Responses.json(res, Status.OK_200, format.complete(text.toString(), d.finishReason(), d.usage()));
                    return;
                }
                case Job.Failed f -> {
                    Responses.error(res, f.error());
                    return;
                }
            }
        }
    }

    /**
     * The first event is awaited before the stream opens, so a job refused while it waited still gets
     * an HTTP error status. A write that fails means the client left.
     */
    private static void stream(Job job, ResponseFormat format, boolean includeUsage, ServerResponse res)
            throws InterruptedException {
        Job.Event event = job.next();
        if (event instanceof Job.Failed f) {
            Responses.error(res, f.error());
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try {
            SseWriter sse = new SseWriter(res.outputStream());
            for (Object opening : format.opening().stream().toList()) {
                sse.event(opening);
            }
            while (true) {
                switch (event) {
                    case Job.Text t -> sse.event(format.chunk(t.text()));
                    case Job.Done d -> {
                        sse.event(format.closing(d.finishReason()));
                        if (includeUsage) {
                            sse.event(format.usage(d.usage()));
                        }
                        sse.done();
                        return;
                    }
                    case Job.Failed f -> { // headers are sent: the error goes in the stream, as OpenAI does
                        sse.event(f.error().body());
                        sse.done();
                        return;
                    }
                }
                event = job.next();
            }
        } catch (IOException | UncheckedIOException e) {
            // The client went away; the finally block above frees the slot.
        }
    }
}
