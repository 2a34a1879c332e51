package dev.sluice.server;

import dev.sluice.engine.GenerationParams;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Map;

/** The OpenAI-compatible endpoints and {@code /health}. Requests are parsed and validated on their own thread. */
final class OpenAiEndpoints implements HttpService {
    /** OpenAI's default for {@code /v1/completions}; chat has no default limit. */
    private static final int COMPLETION_DEFAULT_MAX_TOKENS = 16;

    private final ServerOptions options;
    private final String modelId;
    private final Prompts prompts;
    private final SlotScheduler scheduler;
    private final int contextLength;
    private final long created = System.currentTimeMillis() / 1000;

    OpenAiEndpoints(ServerOptions options, String modelId, Prompts prompts, SlotScheduler scheduler, int contextLength) {
        this.options = options;
        this.modelId = modelId;
        this.prompts = prompts;
        this.scheduler = scheduler;
        this.contextLength = contextLength;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/chat/completions", this::chat)
                .post("/v1/completions", this::completion)
                .get("/v1/models", this::models)
                .get("/health", this::health);
    }

    private void chat(ServerRequest req, ServerResponse res) throws InterruptedException {
        ChatCompletionRequest r = Json.read(Bodies.read(req, options.maxBodyBytes()), ChatCompletionRequest.class);
        boolean newName = r.maxCompletionTokens() != null;
        GenerationParams params = GenerationSettings.of(r, newName ? r.maxCompletionTokens() : r.maxTokens(),
                newName ? "max_completion_tokens" : "max_tokens", -1, contextLength);
        run(prompts.chat(r.messages()), params, r, new ChatFormat(modelId), res);
    }

    private void completion(ServerRequest req, ServerResponse res) throws InterruptedException {
        CompletionRequest r = Json.read(Bodies.read(req, options.maxBodyBytes()), CompletionRequest.class);
        GenerationParams params = GenerationSettings.of(r, r.maxTokens(), "max_tokens",
                COMPLETION_DEFAULT_MAX_TOKENS, contextLength);
        run(prompts.completion(r.prompt()), params, r, new CompletionFormat(modelId), res);
    }

    private void run(int[] prompt, GenerationParams params, SamplingRequest r, ResponseFormat format,
                     ServerResponse res) throws InterruptedException {
        Job job = new Job(prompt, params, System.nanoTime() + options.requestTimeout().toNanos());
        scheduler.submit(job);
        JobResponder.respond(job, format, GenerationSettings.stream(r), GenerationSettings.includeUsage(r), res);
    }

    private void models(ServerRequest req, ServerResponse res) {
        Responses.json(res, Status.OK_200, new ModelList("list", List.of(new ModelEntry(modelId, "model", created,
                "sluice"))));
    }

    private void health(ServerRequest req, ServerResponse res) {
        Responses.json(res, Status.OK_200, Map.of("status", "ok", "slots_idle", scheduler.slotCount()
                - scheduler.busySlots(), "slots_processing", scheduler.busySlots(), "requests_waiting",
                scheduler.waitingJobs()));
    }

    record ModelList(String object, List<ModelEntry> data) {}

    record ModelEntry(String id, String object, long created, String ownedBy) {}
}
