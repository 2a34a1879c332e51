package dev.sluice.tokenizer;

import dev.sluice.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Llama-2's SentencePiece: spaces become ▁, the text is split into characters, and the adjacent pair
 * whose concatenation is the highest-scoring token is merged (leftmost on ties) until no pair forms a
 * token. A character the vocabulary lacks is spelled with its UTF-8 bytes as {@code <0xXX>} tokens, or
 * the unknown token when even those are missing. A min-heap of (score, position) keeps it O(n log n).
 */
final class SpmEncoder implements FragmentEncoder {
    static final char SPACE_MARK = '\u2581';
    private static final long NO_TOKEN = Long.MAX_VALUE;

    private final Vocabulary vocab;
    private final PieceIndex pieces;

    SpmEncoder(Vocabulary vocab) {
        this.vocab = vocab;
        this.pieces = new PieceIndex(vocab.tokens());
        if (vocab.unknownId() < 0) {
            for (int b = 0; b < 256; b++) {
                if (byteToken(b) < 0) {
                    throw new ModelFormatException("the SentencePiece vocabulary has neither a byte token for 0x"
                            + Integer.toHexString(b) + " nor an unknown token, so some text cannot be tokenized");
                }
            }
        }
    }

    @Override
    public void encode(String rawText, IntList out) {
        String text = rawText.replace(' ', SPACE_MARK);
        SymbolList symbols = new SymbolList(text);
        LongHeap queue = new LongHeap();
        for (int i = 0; i + 1 < symbols.count(); i++) {
            offer(text, symbols, i, queue);
        }
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int left = (int) top;
            // Stale entries are those whose pair has changed since; the current pair at `left` is
            // queued under its own key, so merging it now is exact when its key is the one popped.
            if (symbols.removed(left) || symbols.next(left) < 0 || pairKey(text, symbols, left) != top) {
                continue;
            }
            symbols.merge(left, symbols.next(left));
            if (symbols.prev(left) >= 0) {
                offer(text, symbols, symbols.prev(left), queue);
            }
            if (symbols.next(left) >= 0) {
                offer(text, symbols, left, queue);
            }
        }
        for (int i = 0; i >= 0 && symbols.count() > 0; i = symbols.next(i)) {
            emit(text, symbols.start(i), symbols.end(i), out);
        }
    }

    private void offer(String text, SymbolList symbols, int left, LongHeap queue) {
        long key = pairKey(text, symbols, left);
        if (key != NO_TOKEN) {
            queue.add(key);
        }
    }

    /** Orders pairs by score descending, then position ascending, as one long; NO_TOKEN if the pair is no token. */
    private long pairKey(String text, SymbolList symbols, int left) {
        int id = pieces.find(text, symbols.start(left), symbols.end(symbols.next(left)));
        if (id < 0) {
            return NO_TOKEN;
        }
        int bits = Float.floatToIntBits(vocab.score(id) + 0.0f); // + 0.0f folds -0.0 into 0.0: they tie
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ~ascending << 32) | left;
    }

    private void emit(String text, int start, int end, IntList out) {
        int id = pieces.find(text, start, end);
        if (id >= 0) {
            out.add(id);
            return;
        }
        for (byte b : text.substring(start, end).getBytes(StandardCharsets.UTF_8)) {
            out.add(byteToken(b & 0xFF));
        }
    }

    private int byteToken(int b) {
        int id = pieces.find(String.format(Locale.ROOT, "<0x%02X>", b));
        if (id < 0 && b < 0x80) {
            id = pieces.find(String.valueOf((char) b));
        }
        return id >= 0 ? id : vocab.unknownId();
    }
}
