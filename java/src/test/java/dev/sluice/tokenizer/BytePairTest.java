package dev.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.ModelFormatException;
import dev.sluice.tokenizer.TestVocabularies.Entry;
import java.util.List;
import org.junit.jupiter.api.Test;

class BytePairTest {
    // "Ġ" is GPT-2's mapping of the space byte.
    private static final List<String> TOKENS = List.of("a", "b", "c", "Ġ", "ab", "bc", "abc", "Ġa", "ca", "<|bos|>", "1", "2");
    private static final int A = 0, B = 1, C = 2, SPACE = 3, AB = 4, BC = 5, ABC = 6, SPACE_A = 7, CA = 8, BOS = 9, ONE = 10, TWO = 11;

    private static Tokenizer tokenizer(List<String> merges) {
        List<Entry> entries = TOKENS.stream()
                .map(t -> new Entry(t, 0, t.startsWith("<|") ? TokenType.CONTROL : TokenType.NORMAL))
                .toList();
        return Tokenizer.of(TestVocabularies.bpe(entries, merges));
    }

    private static final Tokenizer TOKENIZER = tokenizer(List.of("a b", "c a", "b c", "ab c", "Ġ a"));

    @Test
    void lowestRankMergesFirst() {
        // (a b) rank 0 goes first; then (c a) rank 1 beats (ab c) rank 3
        assertArrayEquals(new int[] {AB, CA}, TOKENIZER.encode("abca", false, false));
        // (a b) rank 0, then (ab c) rank 3; nothing merges with the last b
        assertArrayEquals(new int[] {ABC, B}, TOKENIZER.encode("abcb", false, false));
        // (c a) rank 1 beats (b c) rank 2
        assertArrayEquals(new int[] {B, CA}, TOKENIZER.encode("bca", false, false));
    }

    @Test
    void wordThatIsATokenIsNotMerged() {
        // merges alone would give [a, bc]: no (a b) merge exists in this table and (b c) does
        Tokenizer noAbMerge = tokenizer(List.of("b c"));
        assertArrayEquals(new int[] {ABC}, noAbMerge.encode("abc", false, false));
        assertArrayEquals(new int[] {A, BC, A}, noAbMerge.encode("abca", false, false));
    }

    @Test
    void preTokenizerKeepsWordsApart() {
        assertArrayEquals(new int[] {A, SPACE_A, ONE, TWO}, tokenizer(List.of("Ġ a")).encode("a a12", false, false));
        assertArrayEquals(new int[] {AB, SPACE, SPACE_A}, TOKENIZER.encode("ab  a", false, false));
    }

    @Test
    void bosAndSpecialTokens() {
        assertArrayEquals(new int[] {BOS, AB}, TOKENIZER.encode("ab", true, true));
        assertArrayEquals(new int[] {A, BOS, A}, TOKENIZER.encode("a<|bos|>a", false, true));
        assertEquals("a a", TOKENIZER.decode(new int[] {BOS, A, SPACE_A}));
        assertEquals("<|bos|>a", TOKENIZER.decode(new int[] {BOS, A}, true));
    }

    @Test
    void malformedMergeIsRejected() {
        assertThrows(ModelFormatException.class, () -> tokenizer(List.of("ab")));
    }

    @Test
    void onlyLlama3PreTokenizerIsAccepted() {
        assertThrows(ModelFormatException.class, () -> new Vocabulary(TokenizerKind.BPE, "qwen2", TOKENS,
                new float[TOKENS.size()], new TokenType[TOKENS.size()], List.of(), -1, -1, -1, false, false));
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRejectedOnDecode() {
        assertThrows(IllegalArgumentException.class, () -> TOKENIZER.decode(new int[] {TOKENS.size()}));
    }
}
