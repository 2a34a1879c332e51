package dev.sluice.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CandidateSetTest {
    @Test
    void partialSelectionAgreesWithAFullSort() {
        Random random = new Random(5);
        float[] logits = new float[128_256];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian() * 3;
        }
        logits[17] = logits[99]; // a tie: the lower id ranks first
        int[] expected = IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).limit(40).toArray();
        CandidateSet best = CandidateSet.best(logits, 40);
        assertArrayEquals(expected, best.ids);
        for (int i = 0; i < best.size; i++) {
            assertEquals(logits[best.ids[i]], best.logits[i]);
        }
    }

    @Test
    void kOfZeroOrAboveTheSizeKeepsEverythingSorted() {
        float[] logits = {-1f, 0f, Float.NEGATIVE_INFINITY, -0f, 7f};
        assertArrayEquals(new int[] {4, 1, 3, 0, 2}, CandidateSet.best(logits, 0).ids);
        assertArrayEquals(new int[] {4, 1, 3, 0, 2}, CandidateSet.best(logits, 99).ids);
        assertEquals(5, CandidateSet.best(logits, 0).size);
    }

    @Test
    void explicitIdsAreCarriedThrough() {
        CandidateSet best = CandidateSet.best(new int[] {70, 30, 90}, new float[] {1f, 3f, 2f}, 2);
        assertArrayEquals(new int[] {30, 90}, best.ids);
        assertArrayEquals(new float[] {3f, 2f}, best.logits);
        assertEquals(0, Arrays.stream(best.ids).filter(id -> id == 70).count());
    }
}
