package dev.sluice.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian reads from the header region of a file through a buffered channel. Every read is
 * checked against the bytes the file has and the header size limit, so a bad length becomes a
 * {@link GgufFormatException} naming the offset instead of an allocation or an underflow.
 */
final class HeaderInput {
    /** The header (metadata and tensor infos) may not exceed this: it bounds the heap a file can make us use. */
    static final long MAX_HEADER_BYTES = 256L << 20;
    private static final int BUFFER_BYTES = 1 << 16;

    private final SeekableByteChannel channel;
    private final long limit;
    private final boolean limitedByHeaderCap;
    private final ByteBuffer buffer;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private long bufferStart;

    HeaderInput(SeekableByteChannel channel, long fileSize) {
        this.channel = channel;
        this.limit = Math.min(fileSize, MAX_HEADER_BYTES);
        this.limitedByHeaderCap = fileSize > MAX_HEADER_BYTES;
        // small files get a small buffer; 16 bytes hold the widest field
        int capacity = (int) Math.max(16, Math.min(BUFFER_BYTES, limit));
        this.buffer = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN).limit(0);
    }

    /** Absolute offset of the next byte. */
    long position() {
        return bufferStart + buffer.position();
    }

    /** Bytes left before the end of the file (or the header size limit). */
    long remaining() {
        return limit - position();
    }

    int u8(String what) throws IOException {
        return fill(1, what).get() & 0xFF;
    }

    int u16(String what) throws IOException {
        return fill(2, what).getShort() & 0xFFFF;
    }

    long u32(String what) throws IOException {
        return fill(4, what).getInt() & 0xFFFF_FFFFL;
    }

    int i32(String what) throws IOException {
        return fill(4, what).getInt();
    }

    /** Eight bytes as a Java long: callers of unsigned fields check the sign. */
    long u64(String what) throws IOException {
        return fill(8, what).getLong();
    }

    float f32(String what) throws IOException {
        return fill(4, what).getFloat();
    }

    double f64(String what) throws IOException {
        return fill(8, what).getDouble();
    }

    /** A GGUF string: u64 byte length, then that many bytes of UTF-8. */
    String string(String what, long maxBytes) throws IOException {
        long start = position();
        long length = u64(what + " length");
        if (length < 0 || length > maxBytes) {
            throw new GgufFormatException(what + " at offset " + start + " has length " + Long.toUnsignedString(length)
                    + ", above the limit of " + maxBytes + " bytes");
        }
        requireBytes(length, what);
        byte[] bytes = new byte[(int) length];
        int done = 0;
        while (done < bytes.length) {
            int n = Math.min(bytes.length - done, buffer.capacity());
            fill(n, what).get(bytes, done, n);
            done += n;
        }
        try {
            return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new GgufFormatException(what + " at offset " + start + " is not valid UTF-8");
        }
    }

    /** Fails unless {@code n} more bytes exist. */
    void requireBytes(long n, String what) throws GgufFormatException {
        if (n > remaining()) {
            throw truncated(n, what);
        }
    }

    private ByteBuffer fill(int n, String what) throws IOException {
        if (buffer.remaining() >= n) {
            return buffer;
        }
        requireBytes(n, what);
        bufferStart = position();
        buffer.compact();
        while (buffer.position() < n) {
            channel.position(bufferStart + buffer.position());
            int read = channel.read(buffer);
            if (read < 0) {
                buffer.flip();
                throw truncated(n, what);
            }
        }
        buffer.flip();
        return buffer;
    }

    private GgufFormatException truncated(long n, String what) {
        long at = position();
        if (limitedByHeaderCap) {
            return new GgufFormatException("the header is larger than the limit of " + MAX_HEADER_BYTES
                    + " bytes (reading " + what + " at offset " + at + ")");
        }
        return new GgufFormatException("file truncated: " + what + " at offset " + at + " needs " + n
                + " bytes, but only " + Math.max(0, remaining()) + " remain");
    }
}
