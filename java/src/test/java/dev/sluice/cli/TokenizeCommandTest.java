package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {
    private static final String LLAMA3 = Golden.file("models/tiny-llama3-Q4_K_M.gguf").toString();

    /** The golden prompt and its llama.cpp ids (BOS included). */
    private static JsonNode goldenPrompt() throws IOException {
        return new ObjectMapper().readTree(Golden.file("logits/tiny-llama3-Q4_K_M.p1.json").toFile());
    }

    private static List<Integer> promptIds(JsonNode record) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < record.get("n_prompt_tokens").asInt(); i++) {
            ids.add(record.get("tokens").get(i).asInt());
        }
        return ids;
    }

    private static List<Integer> parse(String json) throws IOException {
        return List.of(new ObjectMapper().readValue(json, Integer[].class));
    }

    @Test
    void printsLlamaCppIdsAsOneJsonLine() throws IOException {
        JsonNode record = goldenPrompt();
        CliRunner result = CliRunner.run("tokenize", "-m", LLAMA3, "-p", record.get("prompt").asText());
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(1, result.stdout().lines().count());
        assertEquals(promptIds(record), parse(result.stdout()));
    }

    @Test
    void readsFilesAndHonoursNoBos(@TempDir Path dir) throws IOException {
        JsonNode record = goldenPrompt();
        Path file = Files.writeString(dir.resolve("prompt.txt"), record.get("prompt").asText());
        CliRunner result = CliRunner.run("tokenize", "-m", LLAMA3, "-f", file.toString(), "--no-bos");
        List<Integer> expected = promptIds(record);
        assertEquals(expected.subList(1, expected.size()), parse(result.stdout()));
    }

    @Test
    void specialTokensAreParsedUnlessTurnedOff() throws IOException {
        assertEquals(List.of(2048, 2057), parse(CliRunner.run("tokenize", "-m", LLAMA3, "-p", "<|eot_id|>").stdout()));
        assertTrue(parse(CliRunner.run("tokenize", "-m", LLAMA3, "-p", "<|eot_id|>", "--no-parse-special").stdout()).size() > 2);
    }

    @Test
    void vocabularyOnlyFileIsEnough() throws IOException {
        String vocab = Golden.file("tokenizer/llama-spm-vocab.gguf").toString();
        // "Hello world" without BOS is a llama.cpp test vector: 15043 3186
        assertEquals(List.of(1, 15043, 3186), parse(CliRunner.run("tokenize", "-m", vocab, "-p", "Hello world").stdout()));
    }

    @Test
    void errorsAreOneLineAndNonZero(@TempDir Path dir) throws IOException {
        CliRunner missing = CliRunner.run("tokenize", "-m", dir.resolve("nope.gguf").toString(), "-p", "x");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.stderr().startsWith("error: no such file"), missing.stderr());

        Path binary = Files.write(dir.resolve("bad.txt"), new byte[] {(byte) 0xC3, 0x28});
        CliRunner badText = CliRunner.run("tokenize", "-m", LLAMA3, "-f", binary.toString());
        assertEquals(1, badText.exitCode());
        assertTrue(badText.stderr().contains("not valid UTF-8"), badText.stderr());

        assertEquals(ErrorReporter.EXIT_USAGE, CliRunner.run("tokenize", "-m", LLAMA3, "-p", "x", "-f", "y").exitCode());
    }
}
