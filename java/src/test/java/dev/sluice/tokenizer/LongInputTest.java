package dev.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guards against quadratic merging or splitting: a 100 KB single word, 100 KB of spaces and about
 * 1 MB of mixed text each take well under a second when the work is linear-ish, and hours when not.
 */
class LongInputTest {
    /** Llama-3 BPE as the trimmed vocabulary of a golden model has it (merges and byte tokens are all there). */
    static Stream<Supplier<Tokenizer>> vocabularies() {
        return Stream.of(() -> GoldenVocabularies.tokenizer("models/tiny-llama3-Q4_K_M.gguf"),
                GoldenVocabularies::sentencePiece);
    }

    @ParameterizedTest
    @MethodSource("vocabularies")
    @Timeout(120)
    void longInputsTokenizeInLinearishTime(Supplier<Tokenizer> vocabulary) {
        Tokenizer tokenizer = vocabulary.get();
        for (String text : new String[] {
                "ab".repeat(50_000),
                " ".repeat(100_000) + "x",
                "The quick brown fox, 12345 jumps! Über straße… 🦙\n".repeat(20_000)}) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, false, false)));
        }
    }
}
