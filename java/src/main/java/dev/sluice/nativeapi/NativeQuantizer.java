package dev.sluice.nativeapi;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/** Quantizes floats into a ggml block type with the native quantizers (bit-exact ggml layouts). */
public final class NativeQuantizer {
    private NativeQuantizer() {}

    /** Bytes that {@code n} elements of the type occupy. */
    public static long byteSize(int type, long n) {
        long[] bytes = new long[1];
        NativeStatus.check(SluiceNative.sl_type_size(type, n, bytes));
        return bytes[0];
    }

    /** Quantizes {@code values[0..n)} and returns the blocks in a buffer ready to be written. */
    public static ByteBuffer quantize(int type, float[] values, int n) {
        long size = byteSize(type, n);
        try (FloatPointer src = new FloatPointer(n); BytePointer dst = new BytePointer(size)) {
            src.put(values, 0, n);
            NativeStatus.check(SluiceNative.sl_quantize(type, src, n, dst, size));
            byte[] out = new byte[Math.toIntExact(size)];
            dst.get(out);
            return ByteBuffer.wrap(out);
        }
    }
}
