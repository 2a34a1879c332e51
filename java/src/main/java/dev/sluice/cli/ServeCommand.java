package dev.sluice.cli;

import dev.sluice.engine.Model;
import dev.sluice.server.ServerOptions;
import dev.sluice.server.SluiceServer;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice serve}: the OpenAI-compatible HTTP API until interrupted (Ctrl-C, SIGTERM). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions,"
                + " /v1/models, /health).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelArgs modelArgs;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 exposes it to the network)")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "Port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = {"-np", "--parallel"}, defaultValue = "4", paramLabel = "N",
            description = "Requests generated at once, each in a slot with its own KV cache of -c positions"
                    + " (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--queue", defaultValue = "64", paramLabel = "N",
            description = "Requests that may wait for a free slot; more get 429 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:SLUICE_API_KEY}",
            description = "Require 'Authorization: Bearer KEY' (default: $SLUICE_API_KEY; none if unset)")
    String apiKey;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "Longest a request may wait and generate; it then ends as if at max_tokens"
                    + " (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        ServerOptions options = ServerOptions.builder()
                .host(host)
                .port(port)
                .parallel(parallel)
                .queue(queue)
                .apiKey(apiKey)
                .requestTimeout(Duration.ofSeconds(timeoutSeconds))
                .build();
        try (Model model = modelArgs.open(); SluiceServer server = SluiceServer.start(model, options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sluice-serve-shutdown"));
            spec.commandLine().getErr().printf("serving %s on http://%s:%d/v1 with %d slots of %d positions%s%n",
                    server.modelId(), host, server.port(), parallel, server.contextLength(),
                    options.apiKey() != null ? ", API key required" : "");
            server.awaitShutdown();
        } catch (InterruptedException e) { // an embedding program's way to stop serving
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
