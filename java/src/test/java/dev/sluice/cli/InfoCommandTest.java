package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufMetadata;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code sluice info} through {@link SluiceCli#run}, as a script would see it: stdout, stderr, exit code.
 * Stderr is checked for its {@code error: } lines only: a Java agent in the test JVM (Jazzer's, when the
 * fuzz test ran first) may log there too.
 */
class InfoCommandTest {

    @TempDir
    Path dir;


    static Stream<Path> goldenModels() {
        return Golden.list("models", ".gguf").stream();
    }

    @ParameterizedTest
    @MethodSource("goldenModels")
    void jsonDescribesEachGoldenModel(Path model) throws IOException {
        CliRunner r = CliRunner.run("info", "--json", "-m", model.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of(), errorLines(r), r.stderr());
        JsonNode json = new ObjectMapper().readTree(r.stdout());
        GgufFile gguf = GgufFile.read(model);
        GgufMetadata m = gguf.metadata();
        assertEquals("llama", json.get("architecture").asText());
        assertEquals(m.requireStringArray("tokenizer.ggml.tokens").size(), json.get("n_vocab").asInt());
        assertEquals(m.requireLong("llama.context_length"), json.get("n_ctx_train").asLong());
        assertEquals(m.requireLong("llama.embedding_length"), json.get("n_embd").asLong());
        assertEquals(m.requireLong("llama.block_count"), json.get("n_layer").asLong());
        assertEquals(m.requireLong("llama.attention.head_count"), json.get("n_head").asLong());
        assertEquals(m.requireLong("llama.attention.head_count_kv"), json.get("n_head_kv").asLong());
        assertEquals(m.requireLong("llama.feed_forward_length"), json.get("n_ff").asLong());
        assertEquals(m.requireLong("tokenizer.ggml.bos_token_id"), json.get("bos_token_id").asLong());
        assertEquals(gguf.tensors().size(), json.get("tensor_count").asInt());
        assertEquals(Files.size(model), json.get("file_size").asLong());

        long tensorBytes = json.get("tensor_bytes").asLong();
        long mixTensors = 0;
        long mixBytes = 0;
        for (JsonNode usage : json.get("quant_mix")) {
            mixTensors += usage.get("tensors").asLong();
            mixBytes += usage.get("bytes").asLong();
        }
        assertEquals(gguf.tensors().size(), mixTensors);
        assertEquals(tensorBytes, mixBytes);
        long layerBytes = StreamSupport.stream(json.get("bytes_per_layer").spliterator(), false).mapToLong(JsonNode::asLong).sum();
        assertEquals(tensorBytes, layerBytes + json.get("non_layer_bytes").asLong());
        assertEquals(Files.size(model) - gguf.dataOffset(), tensorBytes);
    }

    @Test
    void textOutputNamesTheModel() {
        CliRunner r = CliRunner.run("info", "-m", Golden.file("models/tiny-llama3-Q4_K_M.gguf").toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("architecture   llama"), r.stdout());
        assertTrue(r.stdout().contains("scaling llama3"), r.stdout());
        assertTrue(r.stdout().contains("Q6_K"), r.stdout());
    }

    @Test
    void truncatedModelIsOneErrorLine() throws IOException {
        byte[] model = Files.readAllBytes(Golden.file("models/tiny-spm-Q8_0.gguf"));
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(model, 5000));
        assertOneErrorLine(CliRunner.run("info", "-m", cut.toString()), "truncated");
    }

    @Test
    void nonGgufFileIsOneErrorLine() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.gguf"), "hello, this is not a model\n");
        assertOneErrorLine(CliRunner.run("info", "--json", "-m", text.toString()), "not a GGUF file");
    }

    @Test
    void vocabularyOnlyFileIsOneErrorLine() {
        assertOneErrorLine(CliRunner.run("info", "-m", Golden.file("tokenizer/llama-spm-vocab.gguf").toString()),
                "but the file holds 0 tensors");
    }

    @Test
    void missingFileIsOneErrorLine() {
        assertOneErrorLine(CliRunner.run("info", "-m", dir.resolve("absent.gguf").toString()), "no such file");
    }

    private static void assertOneErrorLine(CliRunner r, String expected) {
        assertNotEquals(0, r.exitCode());
        assertEquals("", r.stdout());
        List<String> errors = errorLines(r);
        assertEquals(1, errors.size(), r.stderr());
        assertTrue(errors.getFirst().contains(expected), r.stderr());
        assertTrue(r.stderr().lines().noneMatch(line -> line.startsWith("\tat ")), () -> "stack trace on stderr: " + r.stderr());
    }

    private static List<String> errorLines(CliRunner r) {
        return r.stderr().lines().filter(line -> line.startsWith("error: ")).toList();
    }
}
