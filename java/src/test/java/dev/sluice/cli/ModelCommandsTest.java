package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.Golden;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model-running commands end to end on golden models, as a script would call them. */
class ModelCommandsTest {
    private static final String LLAMA3 = Golden.file("models/tiny-llama3-Q4_K_M.gguf").toString();
    private static final String SPM = Golden.file("models/tiny-spm-Q8_0.gguf").toString();

    @TempDir
    Path tmp;

    @Test
    void logitsWritesOneRowPerPositionAndPrintsTheIds() throws Exception {
        Path npy = tmp.resolve("out.npy");
        CliRunner r = CliRunner.run("logits", "-m", SPM, "--tokens", "1,450,439,860", "-n", "2", "-o", npy.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode ids = new ObjectMapper().readTree(r.stdout());
        assertEquals(6, ids.size());
        assertEquals(450, ids.get(1).asInt());
        byte[] bytes = Files.readAllBytes(npy);
        String header = new String(bytes, 10, bytes[8] & 0xff | (bytes[9] & 0xff) << 8, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (6, 2048)"), header);
        assertEquals(0, (10 + header.length()) % 64, "npy data is 64-byte aligned");
        assertEquals(10 + header.length() + 6L * 2048 * 4, bytes.length);
    }

    @Test
    void runAtTemperatureZeroIsDeterministic() {
        String[] args = {"run", "-m", LLAMA3, "-p", "Once upon a time", "-n", "16", "--temp", "0"};
        CliRunner first = CliRunner.run(args);
        assertEquals(0, first.exitCode(), first.stderr());
        assertFalse(first.stdout().isBlank(), "no generated text on stdout");
        assertEquals(first.stdout(), CliRunner.run(args).stdout());
        assertTrue(first.stderr().contains("tok/s"), first.stderr());
        assertTrue(first.stderr().contains("plan on cpu: layers 0-2 resident"), "the plan's line: " + first.stderr());
        assertFalse(first.stdout().contains("tok/s"), "diagnostics belong on stderr: " + first.stdout());
    }

    @Test
    void runWithTheModelsChatTemplate() {
        CliRunner r = CliRunner.run("run", "-m", LLAMA3, "-p", "Hi", "-n", "4", "--temp", "0", "--chat-template");
        assertEquals(0, r.exitCode(), r.stderr());
        assertFalse(r.stdout().isBlank(), "no generated text on stdout");
    }

    @Test
    void perplexityEndsWithThePplLine() throws Exception {
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog. ".repeat(20));
        CliRunner r = CliRunner.run("perplexity", "-m", SPM, "-f", text.toString(), "-c", "32");
        assertEquals(0, r.exitCode(), r.stderr());
        String[] lines = r.stdout().strip().split("\n");
        assertTrue(lines[lines.length - 1].matches("PPL = \\d+\\.\\d{4}"), r.stdout());
    }

    @Test
    void benchJsonHasTheContractKeys() throws Exception {
        CliRunner r = CliRunner.run("bench", "-m", SPM, "-p", "16", "-n", "4", "-t", "1", "--json");
        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode j = new ObjectMapper().readTree(r.stdout());
        for (String key : new String[] {"backend", "threads", "pp_tokens", "pp_tok_s", "tg_tokens", "tg_tok_s",
                "bytes_per_token", "gb_s"}) {
            assertTrue(j.has(key), "missing " + key + " in " + r.stdout());
        }
        assertEquals("cpu", j.get("backend").asText());
        assertEquals(1, j.get("threads").asInt());
        assertTrue(j.get("tg_tok_s").asDouble() > 0);
        assertTrue(j.get("predicted_tok_s").asDouble() > 0, r.stdout());
        assertEquals("cpu", j.get("bottleneck").asText());
        assertTrue(r.stderr().contains("plan on cpu: "), r.stderr());
    }

    @Test
    void synthWritesAModelThatLoadsAndRuns() throws Exception {
        Path model = tmp.resolve("synth.gguf");
        CliRunner w = CliRunner.run("synth", "--layers", "2", "--embd", "256", "--ff", "512", "--heads", "4",
                "--kv-heads", "2", "--vocab", "2048", "--type", "Q4_K_M", "-o", model.toString(),
                "--vocab-from", SPM);
        assertEquals(0, w.exitCode(), w.stderr());
        assertFalse(w.stderr().contains("\r"), "stderr is no terminal here: plain lines, no bar redraws");
        CliRunner info = CliRunner.run("info", "--json", "-m", model.toString());
        assertEquals(0, info.exitCode(), info.stderr());
        JsonNode j = new ObjectMapper().readTree(info.stdout());
        assertEquals(2, j.get("n_layer").asInt());
        assertEquals(2048, j.get("n_vocab").asInt());
        Path npy = tmp.resolve("synth.npy");
        CliRunner logits = CliRunner.run("logits", "-m", model.toString(), "-p", "hello world", "-o", npy.toString());
        assertEquals(0, logits.exitCode(), logits.stderr());
    }

    @Test
    void chatKeepsTheConversationGoing() {
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Hello\n\nHow are you?\n/exit\n".getBytes(StandardCharsets.UTF_8)));
            CliRunner r = CliRunner.run("chat", "-m", LLAMA3, "-n", "4", "--temp", "0");
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals(2, r.stderr().split("stop: ", -1).length - 1, "two replies: " + r.stderr());
            assertFalse(r.stdout().isBlank(), "the replies go to stdout");
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void contextOverflowIsAOneLineError() {
        CliRunner r = CliRunner.run("logits", "-m", SPM, "-c", "4", "-p", "a long prompt that does not fit", "-o",
                tmp.resolve("x.npy").toString());
        assertTrue(r.isOneErrorLine(), r.stderr());
    }

    @Test
    void withoutAModelRunUsesTheDemoModelAndSaysSo() {
        CliRunner r = CliRunner.run("run", "-p", "Once upon a time", "-n", "8", "--seed", "1");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("using the demo model inside the jar"), r.stderr());
        assertFalse(r.stdout().isBlank(), "no generated text on stdout");
    }

    @Test
    void missingModelFileIsAOneLineError() {
        CliRunner r = CliRunner.run("run", "-m", tmp.resolve("nope.gguf").toString(), "-p", "x");
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("nope.gguf"), r.stderr());
    }
}
