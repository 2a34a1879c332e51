package dev.sluice.tokenizer;

import java.util.List;

/**
 * Token text → id, looked up on a span of a larger string without copying the span out: the
 * SentencePiece loop looks up every adjacent pair of symbols. Open addressing over token ids; when
 * texts repeat, the lowest id wins.
 */
final class PieceIndex {
    private final List<String> texts;
    private final int[] slots; // token id + 1, 0 = empty
    private final int mask;
    private final int shift;

    PieceIndex(List<String> texts) {
        this.texts = texts;
        int capacity = Integer.highestOneBit(Math.max(4, texts.size() * 2 - 1)) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        shift = Integer.numberOfLeadingZeros(mask);
        for (int id = 0; id < texts.size(); id++) {
            String text = texts.get(id);
            int slot = slot(text, 0, text.length());
            if (slots[slot] == 0) {
                slots[slot] = id + 1;
            }
        }
    }

    /** The id of the token spelled {@code s[start, end)}, or -1. */
    int find(String s, int start, int end) {
        return slots[slot(s, start, end)] - 1;
    }

    int find(String s) {
        return find(s, 0, s.length());
    }

    /** The slot holding the span's token, or the empty slot where it would go. */
    private int slot(String s, int start, int end) {
        int length = end - start;
        int slot = (hash(s, start, end) * 0x9E3779B9) >>> shift; // Fibonacci hashing: the top bits are well mixed
        while (slots[slot] != 0) {
            String candidate = texts.get(slots[slot] - 1);
            if (candidate.length() == length && s.regionMatches(start, candidate, 0, length)) {
                break;
            }
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static int hash(String s, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }
}
