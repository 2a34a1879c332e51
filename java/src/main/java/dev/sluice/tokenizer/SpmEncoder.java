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
        String text = rawText.replace(' ', SPACE_MARK);
        int n = text.length();
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        int count = 0;
        for (int i = 0; i < n; i += length[count - 1]) {
            start[count] = i;
            length[count] = Character.charCount(text.codePointAt(i));
            prev[count] = count - 1;
            next[count] = -1;
            if (count > 0) {
                next[count - 1] = count;
            }
            count++;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 0; i + 1 < count; i++) {
            offer(text, start, length, i, i + 1, queue);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            if (length[c.left] == 0 || length[c.right] == 0 || length[c.left] + length[c.right] != c.length) {
                continue; // stale: one side changed since this pair was queued
            }
            length[c.left] += length[c.right];
            length[c.right] = 0;
            next[c.left] = next[c.right];
            if (next[c.right] >= 0) {
                prev[next[c.right]] = c.left;
            }
            if (prev[c.left] >= 0) {
                offer(text, start, length, prev[c.left], c.left, queue);
            }
            if (next[c.left] >= 0) {
                offer(text, start, length, c.left, next[c.left], queue);
            }
        }
        for (int i = 0; i >= 0 && count > 0; i = next[i]) {
            emit(text.substring(start[i], start[i] + length[i]), out);
        }
    }

    private void offer(String text, int[] start, int[] length, int left, int right, PriorityQueue<Candidate> queue) {
        int total = length[left] + length[right];
        Integer id = ids.get(text.substring(start[left], start[left] + total));
        if (id != null) {
            queue.add(new Candidate(vocab.score(id), left, right, total));
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
