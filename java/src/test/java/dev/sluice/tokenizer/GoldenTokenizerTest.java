package dev.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Agreement with llama.cpp: its tokenizer test vectors, and the prompt ids recorded with the golden logits. */
class GoldenTokenizerTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    /** Each case of {@code X.inp} with the ids on the same line of {@code X.out}. */
    static Stream<Arguments> vectors() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        List<String> names = GoldenVocabularies.hasLlama3() ? List.of("llama3-vocab", "llama-spm-vocab")
                : List.of("llama-spm-vocab");
        for (String name : names) {
            String[] inputs = Files.readString(Golden.file("tokenizer/" + name + ".inp")).split(SEPARATOR, -1);
            List<String> outputs = Files.readAllLines(Golden.file("tokenizer/" + name + ".out"));
            for (int i = 0; i < outputs.size(); i++) {
                String line = outputs.get(i).strip();
                int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                cases.add(Arguments.of(name, i, inputs[i], ids));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} #{1}")
    @MethodSource("vectors")
    void matchesLlamaCppTestVectors(String vocab, int index, String text, int[] expected) {
        Tokenizer tokenizer = GoldenVocabularies.tokenizer("tokenizer/" + vocab + ".gguf");
        int[] ids = tokenizer.encode(text, false, false);
        assertArrayEquals(expected, ids, () -> "ids of " + quoted(text));
        assertEquals(text, tokenizer.decode(ids), "decode(encode(s)) == s");
    }

    static Stream<Path> promptRecords() {
        return Golden.list("logits", ".json").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promptRecords")
    void matchesPromptIdsOfGoldenLogits(Path record) throws IOException {
        JsonNode json = new ObjectMapper().readTree(record.toFile());
        int prompt = json.get("n_prompt_tokens").asInt();
        int[] expected = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            expected[i] = json.get("tokens").get(i).asInt();
        }
        Tokenizer tokenizer = GoldenVocabularies.tokenizer(json.get("model").asText());
        assertArrayEquals(expected, tokenizer.encode(json.get("prompt").asText(), json.get("add_bos").asBoolean(), true));
    }

    private static String quoted(String text) {
        return text.replace("\n", "\\n").replace("\t", "\\t");
    }
}
