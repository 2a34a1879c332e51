package dev.sluice.sampling;

import java.util.Arrays;

/**
 * The tokens still in the running during one sampling step, best logit first (ties: lower id first).
 * Built by partial selection — a size-k heap over one pass — so top-k over a 128k vocabulary costs
 * one scan and no full sort. NaN logits are never selected.
 */
final class CandidateSet {
    final int[] ids;
    final float[] logits;
    int size;

    private CandidateSet(int[] ids, float[] logits) {
        this.ids = ids;
        this.logits = logits;
        this.size = ids.length;
    }

    /** The k best of a dense logit array, whose index is the token id ({@code k ≤ 0}: all of them). */
    static CandidateSet best(float[] logits, int k) {
        return best(null, logits, k);
    }

    /** The k best of an explicit candidate list ({@code k ≤ 0}: all of them). */
    static CandidateSet best(int[] ids, float[] logits, int k) {
        int n = logits.length;
        int keep = k <= 0 || k > n ? n : k;
        long[] heap = new long[keep]; // max-heap of packed (rank key, id): the root is the worst kept
        int filled = 0;
        float threshold = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            if (!(v >= threshold)) {
                continue;
            }
            long packed = pack(v, ids == null ? i : ids[i]);
            if (filled < keep) {
                siftUp(heap, filled++, packed);
                if (filled == keep) {
                    threshold = unpackLogit(heap[0]);
                }
            } else if (packed < heap[0]) {
                siftDown(heap, keep, packed);
                threshold = unpackLogit(heap[0]);
            }
        }
        long[] sorted = Arrays.copyOf(heap, filled);
        Arrays.sort(sorted);
        CandidateSet set = new CandidateSet(new int[filled], new float[filled]);
        for (int i = 0; i < filled; i++) {
            set.ids[i] = (int) sorted[i];
            set.logits[i] = unpackLogit(sorted[i]);
        }
        return set;
    }

    /** Orders (logit descending, id ascending) as plain long comparison. */
    private static long pack(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ~ascending << 32) | (id & 0xFFFFFFFFL);
    }

    private static float unpackLogit(long packed) {
        int ascending = ~(int) (packed >> 32);
        return Float.intBitsToFloat(ascending ^ ((ascending >> 31) & 0x7FFFFFFF));
    }

    private static void siftUp(long[] heap, int i, long value) {
        while (i > 0 && heap[(i - 1) / 2] < value) {
            heap[i] = heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        heap[i] = value;
    }

    /** Replaces the root with {@code value} and restores the max-heap order. */
    private static void siftDown(long[] heap, int size, long value) {
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= value) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
    }

    /** Writes the softmax of {@code logits[0..size)} into {@code out[0..size)}. */
    void softmax(double[] out) {
        double max = logits[0];
        double sum = 0;
        for (int i = 0; i < size; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < size; i++) {
            out[i] /= sum;
        }
    }
}
