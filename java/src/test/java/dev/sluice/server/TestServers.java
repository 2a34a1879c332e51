package dev.sluice.server;

import dev.sluice.engine.Backend;
import dev.sluice.engine.Model;
import dev.sluice.engine.ModelOptions;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.UnaryOperator;

/**
 * The one place that says which model the server tests run on: a tiny random-weight Llama-3 model with
 * a chat template (its text is gibberish, so tests assert on structure, counts and determinism). It is
 * opened once per test JVM and shared; every test starts its own server on an ephemeral loopback port.
 */
final class TestServers {
    private static Model model;

    private TestServers() {}

    static synchronized Model model() {
        if (model == null) {
            try {
                // Not the demo model: it ends its answers by itself, and the scheduling tests need
                // answers that run until max_tokens.
                model = Model.open(Golden.file("models/tiny-llama3-Q4_K_M.gguf"),
                        ModelOptions.builder().backend(Backend.CPU).threads(2).contextLength(512).build());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }

    /** A server on 127.0.0.1 and a free port; {@code options} adjusts the test defaults (2 slots). */
    static SluiceServer start(UnaryOperator<ServerOptions.Builder> options) {
        try {
            return SluiceServer.start(model(), options.apply(ServerOptions.builder().port(0).parallel(2)).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SluiceServer start() {
        return start(o -> o);
    }
}
