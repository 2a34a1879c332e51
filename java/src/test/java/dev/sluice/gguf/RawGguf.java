package dev.sluice.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-built GGUF bytes, field by field, for files that GgufWriter would refuse to write. */
final class RawGguf {
    static final int MAGIC = 0x46554747;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    /** Magic, version and the two counts. */
    static RawGguf header(long version, long tensorCount, long kvCount) {
        return new RawGguf().u32(MAGIC).u32(version).u64(tensorCount).u64(kvCount);
    }

    RawGguf u8(int v) {
        bytes.write(v);
        return this;
    }

    RawGguf u32(long v) {
        return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
    }

    RawGguf u64(long v) {
        return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    RawGguf str(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return u64(utf8.length).raw(utf8);
    }

    RawGguf raw(byte[] b) {
        bytes.write(b, 0, b.length);
        return this;
    }

    /** A key and its value type id; the caller writes the value. */
    RawGguf key(String key, GgufValueType type) {
        return str(key).u32(type.id());
    }

    RawGguf tensor(String name, long[] shape, int typeId, long offset) {
        str(name).u32(shape.length);
        for (long d : shape) {
            u64(d);
        }
        return u32(typeId).u64(offset);
    }

    /** Zero padding to the alignment, then {@code dataBytes} zero bytes of tensor data. */
    RawGguf data(int alignment, int dataBytes) {
        while (bytes.size() % alignment != 0) {
            bytes.write(0);
        }
        return raw(new byte[dataBytes]);
    }

    byte[] toBytes() {
        return bytes.toByteArray();
    }

    Path write(Path file) throws IOException {
        return Files.write(file, toBytes());
    }
}
