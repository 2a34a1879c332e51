package dev.sluice.tokenizer;

import static dev.sluice.tokenizer.TestVocabularies.Entry.normal;
import static dev.sluice.tokenizer.TestVocabularies.SPM_FIRST_EXTRA;
import static dev.sluice.tokenizer.TestVocabularies.byteToken;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.ModelFormatException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentencePieceTest {
    private static final int SPACE = SPM_FIRST_EXTRA;
    private static final int A = SPM_FIRST_EXTRA + 1;
    private static final int B = SPM_FIRST_EXTRA + 2;
    private static final int SPACE_A = SPM_FIRST_EXTRA + 3;
    private static final int AB = SPM_FIRST_EXTRA + 4;

    private static Tokenizer withScores(float spaceA, float ab) {
        return Tokenizer.of(TestVocabularies.sentencePiece(true, List.of(
                normal("▁", -5), normal("a", -5), normal("b", -5), normal("▁a", spaceA), normal("ab", ab))));
    }

    @Test
    void higherScoringPairIsMergedFirst() {
        assertArrayEquals(new int[] {SPACE_A, B}, withScores(-1, -2).encode("ab", false, false));
        assertArrayEquals(new int[] {SPACE, AB}, withScores(-2, -1).encode("ab", false, false));
    }

    @Test
    void equalScoresMergeTheLeftmostPairFirst() {
        assertArrayEquals(new int[] {SPACE_A, B}, withScores(-1, -1).encode("ab", false, false));
    }

    @Test
    void dummyPrefixSpaceAndSpacesBecomeSpaceMarks() {
        Tokenizer tokenizer = withScores(-1, -2);
        assertArrayEquals(new int[] {SPACE_A, SPACE_A}, tokenizer.encode("a a", false, false));
        assertArrayEquals(new int[] {1, SPACE_A}, tokenizer.encode("a", true, false));
    }

    @Test
    void noDummyPrefixWhenTheModelSaysSo() {
        Tokenizer tokenizer = Tokenizer.of(TestVocabularies.sentencePiece(false, List.of(normal("▁", 0), normal("a", 0))));
        assertArrayEquals(new int[] {A}, tokenizer.encode("a", false, false));
    }

    @Test
    void missingCharactersFallBackToUtf8ByteTokens() {
        assertArrayEquals(new int[] {SPACE, byteToken(0xC3), byteToken(0xA9)}, withScores(-1, -2).encode("é", false, false));
    }

    @Test
    void specialTokensAreParsedOnlyWhenAsked() {
        Tokenizer tokenizer = withScores(-1, -2);
        assertArrayEquals(new int[] {SPACE_A, 2, SPACE_A}, tokenizer.encode("a</s>a", false, true));
        int[] plain = tokenizer.encode("</s>", false, false);
        assertEquals(SPACE, plain[0]);
        assertEquals("</s>", tokenizer.decode(plain));
    }

    @Test
    void unknownTokenWhenNeitherPieceNorByteTokenExists() {
        Vocabulary noBytes = new Vocabulary(TokenizerKind.SENTENCEPIECE, "default", List.of("<unk>", "▁"),
                new float[2], new TokenType[] {TokenType.UNKNOWN, TokenType.NORMAL}, List.of(), -1, -1, 0, false, true);
        assertArrayEquals(new int[] {1, 0}, Tokenizer.of(noBytes).encode("x", false, false));
    }

    @Test
    void vocabularyThatCannotSpellSomeBytesIsRejected() {
        Vocabulary broken = new Vocabulary(TokenizerKind.SENTENCEPIECE, "default", List.of("▁"),
                new float[1], new TokenType[] {TokenType.NORMAL}, List.of(), -1, -1, -1, false, true);
        assertThrows(ModelFormatException.class, () -> Tokenizer.of(broken));
    }

    @Test
    void decodeRemovesTheDummyPrefixAndRendersBytes() {
        Tokenizer tokenizer = withScores(-1, -2);
        assertEquals("a é", tokenizer.decode(new int[] {1, SPACE_A, SPACE, byteToken(0xC3), byteToken(0xA9)}));
        assertEquals("<s>a", tokenizer.decode(new int[] {1, SPACE_A}, true));
    }
}
