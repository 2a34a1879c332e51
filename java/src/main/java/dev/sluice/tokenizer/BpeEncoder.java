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
    private final MergeRanks ranks;
    private final int[] mergeResults;
    /** Id of each single character of GPT-2's byte mapping (all below U+0200), or -1. */
    private final int[] byteCharIds = new int[512];
    private final int vocabSize;
    private int nextExtraId;

    BpeEncoder(Vocabulary vocab) {
        vocabSize = vocab.size();
        nextExtraId = vocabSize;
        for (int id = 0; id < vocab.size(); id++) {
            pieceIds.putIfAbsent(vocab.token(id), id);
        }
        List<String> merges = vocab.merges();
        ranks = new MergeRanks(merges.size());
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
            ranks.putIfAbsent(intern(left), intern(right), rank);
            mergeResults[rank] = intern(left + right);
        }
        for (char c = 0; c < byteCharIds.length; c++) {
            byteCharIds[c] = pieceIds.getOrDefault(String.valueOf(c), -1);
        }
    }

    private int intern(String piece) {
        return pieceIds.computeIfAbsent(piece, p -> nextExtraId++);
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
        SymbolList symbols = new SymbolList(word); // mapped bytes are all single chars
        int[] ids = new int[symbols.count()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = byteCharIds[word.charAt(i)];
        }
        LongHeap candidates = new LongHeap();
        for (int i = 0; i + 1 < ids.length; i++) {
            offer(ids, i, i + 1, candidates);
        }
        while (!candidates.isEmpty()) {
            long top = candidates.poll();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = symbols.removed(left) ? -1 : symbols.next(left);
            if (right < 0 || ranks.rank(ids[left], ids[right]) != rank) {
                continue; // stale: one side was merged away since this pair was queued
            }
            symbols.merge(left, right);
            ids[left] = mergeResults[rank];
            if (symbols.prev(left) >= 0) {
                offer(ids, symbols.prev(left), left, candidates);
            }
            if (symbols.next(left) >= 0) {
                offer(ids, left, symbols.next(left), candidates);
            }
        }
        for (int i = 0; i >= 0; i = symbols.next(i)) {
            emit(ids[i], symbols.piece(i), out);
        }
    }

    private void offer(int[] ids, int left, int right, LongHeap candidates) {
        int rank = ranks.rank(ids[left], ids[right]);
        if (rank >= 0) {
            candidates.add(((long) rank << 32) | left);
        }
    }

    /**
     * A merged piece the vocabulary lacks (a trimmed vocabulary keeps merges whose results it dropped)
     * is spelled as llama.cpp does: only its single-byte characters that are tokens are kept.
     */
    private void emit(int id, String piece, IntList out) {
        if (id >= 0 && id < vocabSize) {
            out.add(id);
            return;
        }
        for (int c = 0; c < piece.length(); c++) {
            char ch = piece.charAt(c);
            int single = ch < 0x80 ? byteCharIds[ch] : -1;
            if (single >= 0 && single < vocabSize) {
                out.add(single);
            }
        }
    }
}
