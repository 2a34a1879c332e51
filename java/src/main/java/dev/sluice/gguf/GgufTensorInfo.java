package dev.sluice.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in the GGUF header.
 *
 * @param shape ggml order: shape[0] is the contiguous (row) dimension
 * @param offset bytes from the start of the file's tensor data section
 * @param byteSize bytes of data, from the type and shape
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {
    public GgufTensorInfo {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dims() {
        return shape.length;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The absolute file offset of the data, given the file's {@link GgufFile#dataOffset()}. */
    public long absoluteOffset(long dataOffset) {
        return dataOffset + offset;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
