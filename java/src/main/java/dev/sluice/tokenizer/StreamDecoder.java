package dev.sluice.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token ids into text safely: the bytes of a character split across tokens are
 * held back until it is complete, and bytes that can never form valid UTF-8 become U+FFFD (never an
 * exception). With SentencePiece's dummy prefix, the space it added before the first word is removed.
 * Not thread-safe: one per sequence.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private boolean stripLeadingSpace;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(64);

    StreamDecoder(Tokenizer tokenizer, boolean renderSpecial, boolean stripLeadingSpace) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /** Adds one token and returns the text it completes (possibly empty). */
    public String accept(int token) {
        byte[] piece = tokenizer.tokenBytes(token, renderSpecial);
        int from = 0;
        if (stripLeadingSpace && !tokenizer.isControl(token)) {
            stripLeadingSpace = false;
            from = piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        }
        append(piece, from);
        return decode(false);
    }

    /** Ends the sequence: bytes still held (an unfinished character) come out as U+FFFD. */
    public String finish() {
        String text = decode(true);
        utf8.reset();
        return text;
    }

    private void append(byte[] piece, int from) {
        int length = piece.length - from;
        if (pending.remaining() < length) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + length));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(piece, from, length);
    }

    private String decode(boolean endOfInput) {
        pending.flip();
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
        utf8.decode(pending, out, endOfInput);
        if (endOfInput) {
            utf8.flush(out);
        }
        pending.compact();
        return out.flip().toString();
    }
}
