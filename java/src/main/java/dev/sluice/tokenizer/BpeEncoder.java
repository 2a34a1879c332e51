package dev.sluice.tokenizer;

import dev.sluice.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE as Llama-3 uses it: each pre-tokenized word is mapped through the GPT-2 byte table,
 * split into characters, and adjacent pairs are merged lowest rank first (leftmost on ties) until no
 * ranked pair is left. A word that is itself a token is emitted whole, without merging (llama.cpp's
 * {@code ignore_merges} for Llama-3). A min-heap of candidate pairs keeps a word of n characters at
 * O(n log n).
 */
final class BpeEncoder implements FragmentEncoder {
    /** Piece text → id: vocabulary ids first, then ids past the vocabulary for merge results it lacks. */
    private final Map<String, Integer> pieceIds = new HashMap<>();
    /** (left piece id, right piece id) → merge rank. */
    private final Map<Long, Integer> ranks = new HashMap<>();
    private final int[] mergeResults;
    private final int vocabSize;
    private int nextExtraId;

    BpeEncoder(Vocabulary vocab) {
        vocabSize = vocab.size();
        nextExtraId = vocabSize;
        for (int id = 0; id < vocab.size(); id++) {
            pieceIds.putIfAbsent(vocab.token(id), id);
        }
        List<String> merges = vocab.merges();
        mergeResults = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1);
            if (space < 0) {
                throw new ModelFormatException("tokenizer.ggml.merges[" + rank + "] '" + merge
                        + "' is not two pieces separated by a space");
            }
            String left = merge.substring(0, space);
            String right = merge.substring(space + 1);
            ranks.putIfAbsent(pair(intern(left), intern(right)), rank);
            mergeResults[rank] = intern(left + right);
        }
    }

    private int intern(String piece) {
        return pieceIds.computeIfAbsent(piece, p -> nextExtraId++);
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    @Override
    public void encode(String text, IntList out) {
        Llama3PreTokenizer.split(text, word -> encodeWord(ByteUnicode.encode(word.getBytes(StandardCharsets.UTF_8)), out));
    }

    private void encodeWord(String word, IntList out) {
        Integer whole = pieceIds.get(word);
        if (whole != null && whole < vocabSize) {
            out.add(whole);
            return;
        }
        Symbols symbols = new Symbols(word);
        LongHeap candidates = new LongHeap();
        for (int i = 0; i + 1 < word.length(); i++) {
            offer(symbols, i, i + 1, candidates);
        }
        while (!candidates.isEmpty()) {
            long top = candidates.poll();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = symbols.next[left];
            if (symbols.removed(left) || right < 0 || rankOf(symbols.id[left], symbols.id[right]) != rank) {
                continue; // stale: one side was merged away since this pair was queued
            }
            symbols.merge(left, right, mergeResults[rank]);
            if (symbols.prev[left] >= 0) {
                offer(symbols, symbols.prev[left], left, candidates);
            }
            if (symbols.next[left] >= 0) {
                offer(symbols, left, symbols.next[left], candidates);
            }
        }
        for (int i = 0; i >= 0; i = symbols.next[i]) {
            emit(symbols, i, out);
        }
    }

    private void offer(Symbols symbols, int left, int right, LongHeap candidates) {
        int rank = rankOf(symbols.id[left], symbols.id[right]);
        if (rank >= 0) {
            candidates.add(((long) rank << 32) | left);
        }
    }

    private int rankOf(int left, int right) {
        if (left < 0 || right < 0) {
            return -1;
        }
        Integer rank = ranks.get(pair(left, right));
        return rank == null ? -1 : rank;
    }

    /**
     * A merged piece the vocabulary lacks (a trimmed vocabulary keeps merges whose results it dropped)
     * is spelled as llama.cpp does: only its single-byte characters that are tokens are kept.
     */
    private void emit(Symbols symbols, int i, IntList out) {
        if (symbols.id[i] >= 0 && symbols.id[i] < vocabSize) {
            out.add(symbols.id[i]);
            return;
        }
        for (int c = symbols.start[i]; c < symbols.start[i] + symbols.length[i]; c++) {
            char ch = symbols.text.charAt(c);
            Integer id = ch < 0x80 ? pieceIds.get(String.valueOf(ch)) : null;
            if (id != null && id < vocabSize) {
                out.add(id);
            }
        }
    }

    /** The word's current pieces as a doubly linked list over its characters. */
    private final class Symbols {
        final String text;
        final int[] id;
        final int[] start;
        final int[] length;
        final int[] prev;
        final int[] next;

        Symbols(String text) {
            this.text = text;
            int n = text.length();
            id = new int[n];
            start = new int[n];
            length = new int[n];
            prev = new int[n];
            next = new int[n];
            for (int i = 0; i < n; i++) {
                id[i] = pieceIds.getOrDefault(String.valueOf(text.charAt(i)), -1);
                start[i] = i;
                length[i] = 1;
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }
        }

        boolean removed(int i) {
            return length[i] == 0;
        }

        void merge(int left, int right, int mergedId) {
            id[left] = mergedId;
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
        }
    }
}
