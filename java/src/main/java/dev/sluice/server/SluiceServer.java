package dev.sluice.server;

import dev.sluice.engine.Model;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * An OpenAI-compatible HTTP server over one model ({@code sluice serve}). Helidon SE serves each
 * request on its own virtual thread; a {@link SlotScheduler} runs the generations. Nothing but the API
 * is served: no files, no static pages.
 *
 * <pre>{@code
 * try (Model model = Model.open(path, ModelOptions.defaults());
 *      SluiceServer server = SluiceServer.start(model, ServerOptions.builder().port(8080).build())) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class SluiceServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SluiceServer.class.getName());

    private final SlotScheduler scheduler;
    private final WebServer web;
    private final String modelId;
    private final int contextLength;
    private final CountDownLatch closed = new CountDownLatch(1);

    private SluiceServer(SlotScheduler scheduler, WebServer web, String modelId, int contextLength) {
        this.scheduler = scheduler;
        this.web = web;
        this.modelId = modelId;
        this.contextLength = contextLength;
    }

    /** Creates the slots' sessions and starts listening; the model must stay open until {@link #close()}. */
    public static SluiceServer start(Model model, ServerOptions options) throws IOException {
        int contextLength = options.contextLength() > 0 ? options.contextLength() : model.defaultContextLength();
        String modelId = model.path().getFileName().toString();
        Prompts prompts = new Prompts(model, model.chatTemplate(Optional.empty()), contextLength);
        SlotScheduler scheduler = new SlotScheduler(model, options.parallel(), contextLength, options.queue());
        try {
            OpenAiEndpoints endpoints = new OpenAiEndpoints(options, modelId, prompts, scheduler, contextLength);
            WebServer web = WebServer.builder()
                    .host(options.host())
                    .port(options.port())
                    .routing(routing -> routes(routing, options, endpoints))
                    .build()
                    .start();
            return new SluiceServer(scheduler, web, modelId, contextLength);
        } catch (RuntimeException e) {
            scheduler.close();
            throw e;
        }
    }

    private static void routes(HttpRouting.Builder routing, ServerOptions options, OpenAiEndpoints endpoints) {
        if (options.apiKey() != null) {
            routing.addFilter(new ApiKeyFilter(options.apiKey()));
        }
        routing.register(endpoints)
                .any((req, res) -> {
                    throw ApiException.notFound("no endpoint " + req.prologue().method().text() + " "
                            + req.path().path());
                })
                .error(ApiException.class, (req, res, e) -> respond(res, e))
                .error(Throwable.class, (req, res, e) -> {
                    LOG.log(System.Logger.Level.WARNING, "request failed", e);
                    respond(res, ApiException.internal());
                });
    }

    /** A failure after a stream has started cannot change its status; the stream just ends. */
    private static void respond(io.helidon.webserver.http.ServerResponse res, ApiException e) {
        if (!res.isSent()) {
            Responses.error(res, e);
        }
    }

    /** The port listened on (the chosen one when the options said 0). */
    public int port() {
        return web.port();
    }

    /** The id clients see in {@code /v1/models} and in every response: the model's file name. */
    public String modelId() {
        return modelId;
    }

    /** KV cache positions of each slot: the longest prompt plus answer a request can have. */
    public int contextLength() {
        return contextLength;
    }

    /** Blocks until the server is closed from another thread (or a shutdown hook). */
    public void awaitShutdown() throws InterruptedException {
        closed.await();
    }

    /**
     * Ends the running generations and answers those still waiting with 503 (so no request thread is left
     * blocked), frees the slots, then stops listening.
     */
    @Override
    public void close() {
        scheduler.close();
        web.stop();
        closed.countDown();
    }
}
