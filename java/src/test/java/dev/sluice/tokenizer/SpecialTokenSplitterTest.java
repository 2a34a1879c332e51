package dev.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.tokenizer.SpecialTokenSplitter.Fragment;
import dev.sluice.tokenizer.TestVocabularies.Entry;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecialTokenSplitterTest {
    private static final int ABC = 1, CDEF = 2, AA = 3, CONTROL = 4;
    private static final SpecialTokenSplitter SPLITTER = new SpecialTokenSplitter(TestVocabularies.bpe(List.of(
            new Entry("x", 0, TokenType.NORMAL),
            new Entry("abc", 0, TokenType.USER_DEFINED),
            new Entry("cdef", 0, TokenType.USER_DEFINED),
            new Entry("aa", 0, TokenType.USER_DEFINED),
            new Entry("<c>", 0, TokenType.CONTROL)), List.of()));

    private static Fragment text(int start, int end) {
        return new Fragment(-1, start, end);
    }

    @Test
    void longerTokensAreCutFirstEvenWhenAShorterOneStartsEarlier() {
        assertEquals(List.of(text(0, 2), new Fragment(CDEF, 2, 6)), SPLITTER.split("abcdef", true));
    }

    @Test
    void occurrencesOfOneTokenDoNotOverlap() {
        assertEquals(List.of(new Fragment(AA, 0, 2), new Fragment(AA, 2, 4), text(4, 5)), SPLITTER.split("aaaaa", true));
    }

    @Test
    void controlTokensNeedSpecialParsingButUserDefinedOnesDoNot() {
        assertEquals(List.of(new Fragment(CONTROL, 0, 3), new Fragment(ABC, 3, 6)), SPLITTER.split("<c>abc", true));
        assertEquals(List.of(text(0, 3), new Fragment(ABC, 3, 6)), SPLITTER.split("<c>abc", false));
    }

    @Test
    void emptyTextHasNoFragments() {
        assertEquals(List.of(), SPLITTER.split("", true));
    }
}
