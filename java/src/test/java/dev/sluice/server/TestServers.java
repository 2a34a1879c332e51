package dev.sluice.server;

import dev.sluice.engine.Backend;
import dev.sluice.engine.Model;
import dev.sluice.engine.ModelOptions;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.UnaryOperator;

/**
 * The one place that says which models the server tests run on: the demo model inside the jar, with its
 * chat template, what `sluice serve` without -m gives a user (tests assert on structure, counts and
 * determinism, not on its text); and, for the scheduling tests that need answers running to max_tokens, a
 * tiny random-weight Llama-3 model, which never ends an answer by itself as the trained demo model does.
 * Each is opened once per test JVM and shared; every test starts its own server on an ephemeral loopback port.
 */
final class TestServers {
    private static final ModelOptions OPTIONS =
            ModelOptions.builder().backend(Backend.CPU).threads(2).contextLength(512).build();
    private static Model demo;
    private static Model randomWeights;

    private TestServers() {}

    static synchronized Model model() {
        if (demo == null) {
            demo = open(() -> Model.openDemo(OPTIONS));
        }
        return demo;
    }

    static synchronized Model randomWeights() {
        if (randomWeights == null) {
            randomWeights = open(() -> Model.open(Golden.file("models/tiny-llama3-Q4_K_M.gguf"), OPTIONS));
        }
        return randomWeights;
    }

    /** A server on 127.0.0.1 and a free port; {@code options} adjusts the test defaults (2 slots). */
    static SluiceServer start(UnaryOperator<ServerOptions.Builder> options) {
        return start(model(), options);
    }

    static SluiceServer start() {
        return start(o -> o);
    }

    /** The same on the random-weight model, whose answers run until max_tokens. */
    static SluiceServer startWithLongAnswers(UnaryOperator<ServerOptions.Builder> options) {
        return start(randomWeights(), options);
    }

    private static SluiceServer start(Model model, UnaryOperator<ServerOptions.Builder> options) {
        try {
            return SluiceServer.start(model, options.apply(ServerOptions.builder().port(0).parallel(2)).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Opener {
        Model open() throws IOException;
    }

    private static Model open(Opener opener) {
        try {
            return opener.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
