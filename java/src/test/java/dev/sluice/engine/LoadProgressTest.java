package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Golden;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A load reports its progress: never backwards, never past the total, ending at every resident byte. */
class LoadProgressTest {
    @Test
    void aLoadEndsAtEveryResidentByte() throws IOException {
        List<long[]> seen = new CopyOnWriteArrayList<>();
        try (Model model = Model.open(Golden.file("models/tiny-llama3-Q4_K_M.gguf"),
                ModelOptions.builder().backend(Backend.CPU).threads(2).build(),
                (bytes, total) -> seen.add(new long[] {bytes, total}))) {
            assertFalse(seen.isEmpty());
            long total = seen.get(0)[1];
            long previous = 0;
            for (long[] s : seen) {
                assertEquals(total, s[1]);
                assertTrue(s[0] >= previous && s[0] <= total, s[0] + " after " + previous + " of " + total);
                previous = s[0];
            }
            assertEquals(total, seen.get(seen.size() - 1)[0]);
            assertTrue(total > model.weightBytesPerToken());
        }
    }
}
