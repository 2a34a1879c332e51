package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Golden;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code sluice serve} from the command line: it listens, answers, stops when interrupted; bad options fail cleanly. */
class ServeCommandTest {
    private static final String LLAMA3 = Golden.file("models/tiny-llama3-Q4_K_M.gguf").toString();

    @Test
    void servesUntilInterrupted() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String[] args = {"serve", "-m", LLAMA3, "--backend", "cpu", "-t", "2", "-c", "256", "--port",
            Integer.toString(port), "-np", "1", "--api-key", "k"};
        CompletableFuture<CliRunner> serving = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().start(() -> serving.complete(CliRunner.run(args)));
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
        HttpRequest models = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models")).build();
        int status = 0;
        for (int i = 0; i < 300 && status != 200; i++) {
            try {
                status = http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        assertEquals(200, status);
        assertEquals(401, http.send(models, HttpResponse.BodyHandlers.ofString()).statusCode());
        thread.interrupt();
        CliRunner r = serving.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("serving tiny-llama3-Q4_K_M.gguf on http://127.0.0.1:" + port), r.stderr());
    }

    @Test
    void aBadPortIsOneErrorLine() {
        CliRunner r = CliRunner.run("serve", "-m", LLAMA3, "--port", "70000");
        assertTrue(r.isOneErrorLine(), r.stderr());
    }
}
