package dev.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code tests/openai-node/test.mjs} — the official OpenAI Node.js client (npm {@code openai} 7.x,
 * installed here from the committed lock file) — against a server started for it. Without Node.js the
 * test is skipped on a developer's machine, but fails in CI ({@code CI} set), which installs it.
 */
class OpenAiNodeClientTest {
    private static final Path PROJECT = Path.of("tests/openai-node");
    private static final String KEY = "sk-test-node";

    @Test
    void theOfficialNodeClientWorksAgainstTheServer() throws Exception {
        boolean haveNode = onPath("node") && onPath("npm");
        assumeTrue(haveNode || System.getenv("CI") != null, "node and npm are not installed: skipping the Node.js client");
        assertTrue(haveNode, "CI must install node and npm (.ci/run does)");
        if (!Files.isDirectory(PROJECT.resolve("node_modules/openai"))) {
            assertEquals(0, run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300), "npm ci failed");
        }
        try (SluiceServer server = TestServers.start(o -> o.apiKey(KEY))) {
            Map<String, String> env = Map.of("SLUICE_BASE_URL", "http://127.0.0.1:" + server.port() + "/v1",
                    "SLUICE_API_KEY", KEY);
            assertEquals(0, run(List.of("node", "--test", "--test-reporter=spec", "test.mjs"), env, 180),
                    "the Node.js client tests failed (their output is above)");
        }
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
    }

    /** Runs a command in the Node project, echoing its output; returns the exit code. */
    private static int run(List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(PROJECT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        Thread echo = Thread.ofVirtual().start(() -> {
            try {
                System.out.print(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                System.out.println("(output lost: " + e.getMessage() + ")");
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            echo.join();
            throw new AssertionError(String.join(" ", command) + " ran past " + timeoutSeconds + " s");
        }
        echo.join();
        return p.exitValue();
    }
}
