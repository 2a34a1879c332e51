package dev.sluice.tokenizer;

import dev.sluice.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Llama-2's SentencePiece: spaces become ▁, the text is split into characters, and the adjacent pair
 * whose concatenation is the highest-scoring token is merged (leftmost on ties) until no pair forms a
 * token. A character the vocabulary lacks is spelled with its UTF-8 bytes as {@code <0xXX>} tokens, or
 * the unknown token when even those are missing.
 */
final class SpmEncoder implements FragmentEncoder {
    static final char SPACE_MARK = '\u2581';

    private final Vocabulary vocab;
    private final Map<String, Integer> ids = new HashMap<>();

    SpmEncoder(Vocabulary vocab) {
        this.vocab = vocab;
        for (int id = 0; id < vocab.size(); id++) {
            ids.putIfAbsent(vocab.token(id), id);
        }
        if (vocab.unknownId() < 0) {
            for (int b = 0; b < 256; b++) {
                if (byteToken(b) < 0) {
                    throw new ModelFormatException("the SentencePiece vocabulary has neither a byte token for 0x"
                            + Integer.toHexString(b) + " nor an unknown token, so some text cannot be tokenized");
                }
            }
        }
    }

    private record Candidate(float score, int left, int right, int length) {}

    @Override
    public void encode(String rawText, IntList out) {
        SymbolList symbols = new SymbolList(rawText.replace(' ', SPACE_MARK));
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 0; i + 1 < symbols.count(); i++) {
            offer(symbols, i, i + 1, queue);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            if (symbols.removed(c.left) || symbols.removed(c.right)
                    || symbols.length(c.left) + symbols.length(c.right) != c.length) {
                continue; // stale: one side changed since this pair was queued
            }
            symbols.merge(c.left, c.right);
            if (symbols.prev(c.left) >= 0) {
                offer(symbols, symbols.prev(c.left), c.left, queue);
            }
            if (symbols.next(c.left) >= 0) {
                offer(symbols, c.left, symbols.next(c.left), queue);
            }
        }
        for (int i = 0; i >= 0 && symbols.count() > 0; i = symbols.next(i)) {
            emit(symbols.piece(i), out);
        }
    }

    private void offer(SymbolList symbols, int left, int right, PriorityQueue<Candidate> queue) {
        Integer id = ids.get(symbols.pair(left, right));
        if (id != null) {
            queue.add(new Candidate(vocab.score(id), left, right, symbols.length(left) + symbols.length(right)));
        }
    }

    private void emit(String piece, IntList out) {
        Integer id = ids.get(piece);
        if (id != null) {
            out.add(id);
            return;
        }
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            out.add(byteToken(b & 0xFF));
        }
    }

    private int byteToken(int b) {
        Integer id = ids.get(String.format(Locale.ROOT, "<0x%02X>", b));
        if (id == null && b < 0x80) {
            id = ids.get(String.valueOf((char) b));
        }
        return id != null ? id : vocab.unknownId();
    }
}
