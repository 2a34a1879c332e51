package dev.sluice.tokenizer;

/**
 * The pieces of a text while merges run: one symbol per code point at first, kept as a doubly linked
 * list so that merging two neighbours is O(1). A merge folds the right symbol into the left one,
 * so a symbol index stays valid until it is merged away.
 */
final class SymbolList {
    private final String text;
    private final int[] start;
    private final int[] length;
    private final int[] prev;
    private final int[] next;
    private final int count;

    SymbolList(String text) {
        this.text = text;
        int n = text.length();
        start = new int[n];
        length = new int[n];
        prev = new int[n];
        next = new int[n];
        int symbols = 0;
        for (int i = 0; i < n; i += length[symbols - 1]) {
            start[symbols] = i;
            length[symbols] = Character.charCount(text.codePointAt(i));
            prev[symbols] = symbols - 1;
            next[symbols] = -1;
            if (symbols > 0) {
                next[symbols - 1] = symbols;
            }
            symbols++;
        }
        count = symbols;
    }

    /** Symbols before any merge; index 0 is the head of the list (it is never merged away). */
    int count() {
        return count;
    }

    int next(int i) {
        return next[i];
    }

    int prev(int i) {
        return prev[i];
    }

    boolean removed(int i) {
        return length[i] == 0;
    }

    /** Length in chars of symbol i (0 once merged away). */
    int length(int i) {
        return length[i];
    }

    int start(int i) {
        return start[i];
    }

    int end(int i) {
        return start[i] + length[i];
    }

    String piece(int i) {
        return text.substring(start[i], start[i] + length[i]);
    }

    void merge(int left, int right) {
        length[left] += length[right];
        length[right] = 0;
        next[left] = next[right];
        if (next[right] >= 0) {
            prev[next[right]] = left;
        }
    }
}
