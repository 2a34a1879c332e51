package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.OutOfMemoryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A plan whose tier B cannot be pinned is made again with half the RAM, a few times, each said once. */
class PinnedFallbackTest {
    private static final long GIB = 1L << 30;
    private final StringWriter log = new StringWriter();
    private final PrintWriter err = new PrintWriter(log, true);

    /** Plans are their RAM bytes; the loader pins at most {@code pinnable}. */
    private String load(long plan, long pinnable, List<Long> tried) throws IOException {
        return PinnedFallback.open(plan, p -> p, budget -> budget, p -> {
            tried.add(p);
            if (p > pinnable) {
                throw new OutOfMemoryException("pinned host memory for layer 40 of tier B: cannot allocate 512.0 MiB"
                        + " of pinned host memory");
            }
            return "loaded with " + p;
        }, err);
    }

    @Test
    void halvesTheRamUntilItPins() throws IOException {
        List<Long> tried = new ArrayList<>();
        assertEquals("loaded with " + 5 * GIB, load(20 * GIB, 6 * GIB, tried));
        assertEquals(List.of(20 * GIB, 10 * GIB, 5 * GIB), tried);
        assertEquals(2, log.toString().lines().filter(l -> l.startsWith("warning: pinned host memory")).count(),
                log.toString());
        assertTrue(log.toString().contains("RAM budget of 5.00 GiB"), log.toString());
    }

    @Test
    void givesUpAfterThreeRetries() {
        List<Long> tried = new ArrayList<>();
        assertThrows(OutOfMemoryException.class, () -> load(64 * GIB, GIB / 2, tried));
        assertEquals(1 + PinnedFallback.MAX_RETRIES, tried.size());
    }

    @Test
    void otherOutOfMemoryErrorsStand() {
        List<Integer> calls = new ArrayList<>();
        assertThrows(OutOfMemoryException.class, () -> PinnedFallback.open(8 * GIB, p -> p, b -> b, p -> {
            calls.add(1);
            throw new OutOfMemoryException("not enough GPU memory for a buffer");
        }, err));
        assertEquals(1, calls.size());
        assertEquals("", log.toString());
    }
}
