package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringFilterTest {
    @Test
    void releasesTextThatCannotStartAStop() {
        StopStringFilter f = new StopStringFilter(List.of("END"));
        assertEquals("hello ", f.accept("hello "));
        assertEquals("", f.accept("E"));      // could be the start of END
        assertEquals("Ex", f.accept("x"));    // it was not
        assertFalse(f.stopped());
    }

    @Test
    void cutsAtAStopSplitAcrossPieces() {
        StopStringFilter f = new StopStringFilter(List.of("<|user|>"));
        assertEquals("answer ", f.accept("answer <|us"));
        assertEquals("", f.accept("er|> more"));
        assertTrue(f.stopped());
        assertEquals("", f.accept("ignored"));
        assertEquals("", f.flush());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopStringFilter f = new StopStringFilter(List.of("zz", "b"));
        assertEquals("a", f.accept("abzz"));
    }

    @Test
    void flushReleasesAHeldPrefixAtTheEnd() {
        StopStringFilter f = new StopStringFilter(List.of("STOP"));
        assertEquals("x", f.accept("xST"));
        assertEquals("ST", f.flush());
    }

    @Test
    void noStopsPassesEverything() {
        StopStringFilter f = new StopStringFilter(List.of());
        assertEquals("abc", f.accept("abc"));
    }
}
