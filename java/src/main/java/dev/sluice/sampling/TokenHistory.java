package dev.sluice.sampling;

import java.util.HashMap;
import java.util.Map;

/** The last N accepted tokens with their counts: what the repetition penalties look at. */
final class TokenHistory {
    private final int[] window;
    private final Map<Integer, Integer> counts = new HashMap<>();
    private int next;
    private int size;

    TokenHistory(int capacity) {
        window = new int[capacity];
    }

    void add(int token) {
        if (window.length == 0) {
            return;
        }
        if (size == window.length) {
            counts.computeIfPresent(window[next], (t, c) -> c == 1 ? null : c - 1);
        } else {
            size++;
        }
        window[next] = token;
        next = (next + 1) % window.length;
        counts.merge(token, 1, Integer::sum);
    }

    /** Token id → occurrences in the window. */
    Map<Integer, Integer> counts() {
        return counts;
    }
}
