package dev.sluice.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Little-endian encoding of GGUF header fields into memory (headers are megabytes at most). */
final class HeaderOutput {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    void u8(int v) {
        bytes.write(v);
    }

    void u16(int v) {
        put(scratch.clear().putShort((short) v));
    }

    void u32(long v) {
        put(scratch.clear().putInt((int) v));
    }

    void u64(long v) {
        put(scratch.clear().putLong(v));
    }

    void f32(float v) {
        put(scratch.clear().putFloat(v));
    }

    void f64(double v) {
        put(scratch.clear().putDouble(v));
    }

    void string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        u64(utf8.length);
        bytes.write(utf8, 0, utf8.length);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    void padTo(long alignment) {
        while (bytes.size() % alignment != 0) {
            bytes.write(0);
        }
    }

    ByteBuffer toBuffer() {
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    private void put(ByteBuffer filled) {
        bytes.write(filled.array(), 0, filled.position());
    }
}
