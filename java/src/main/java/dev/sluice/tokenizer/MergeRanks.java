package dev.sluice.tokenizer;

import java.util.Arrays;

/**
 * (left piece id, right piece id) → merge rank, as an open-addressing table of primitive longs: the
 * BPE loop looks up every adjacent pair, and boxed map keys would allocate on each lookup.
 */
final class MergeRanks {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int mask;

    MergeRanks(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        ranks = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    /** Records the rank of a pair unless the pair already has one (the first, best rank wins). */
    void putIfAbsent(int left, int right, int rank) {
        long key = key(left, right);
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            keys[slot] = key;
            ranks[slot] = rank;
        }
    }

    /** The pair's rank, or -1 if the pair never merges. */
    int rank(int left, int right) {
        if (left < 0 || right < 0) {
            return -1;
        }
        long key = key(left, right);
        int slot = slot(key);
        return keys[slot] == key ? ranks[slot] : -1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | right;
    }

    /** The key's slot, or the empty slot where it would go. */
    private int slot(long key) {
        int slot = (int) (mix(key) & mask);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }
}
