package dev.sluice.gguf;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The tensor types Sluice runs, with ggml's type ids and block layouts (elements per block, bytes per
 * block). Ids of ggml types Sluice does not run are known by name only, so errors can name them.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    /** ggml type ids that exist but that Sluice does not run (for error messages). */
    private static final Map<Integer, String> UNSUPPORTED_NAMES = Map.ofEntries(
            Map.entry(4, "Q4_2"), Map.entry(5, "Q4_3"), Map.entry(9, "Q8_1"), Map.entry(15, "Q8_K"),
            Map.entry(16, "IQ2_XXS"), Map.entry(17, "IQ2_XS"), Map.entry(18, "IQ3_XXS"), Map.entry(19, "IQ1_S"),
            Map.entry(20, "IQ4_NL"), Map.entry(21, "IQ3_S"), Map.entry(22, "IQ2_S"), Map.entry(23, "IQ4_XS"),
            Map.entry(24, "I8"), Map.entry(25, "I16"), Map.entry(26, "I32"), Map.entry(27, "I64"),
            Map.entry(28, "F64"), Map.entry(29, "IQ1_M"), Map.entry(34, "TQ1_0"), Map.entry(35, "TQ2_0"),
            Map.entry(39, "MXFP4"));

    private static final Map<Integer, GgmlType> BY_ID =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(GgmlType::id, t -> t));

    private final int id;
    private final int blockElements;
    private final int blockBytes;

    GgmlType(int id, int blockElements, int blockBytes) {
        this.id = id;
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
    }

    /** ggml's id (also sl_type in the C ABI). */
    public int id() {
        return id;
    }

    public int blockElements() {
        return blockElements;
    }

    public int blockBytes() {
        return blockBytes;
    }

    public static Optional<GgmlType> fromId(int id) {
        return Optional.ofNullable(BY_ID.get(id));
    }

    /** "Q4_K" for a supported id, "IQ2_XXS" for a known unsupported one, "unknown" otherwise. */
    public static String nameOf(int id) {
        GgmlType type = BY_ID.get(id);
        return type != null ? type.name() : UNSUPPORTED_NAMES.getOrDefault(id, "unknown");
    }

    /**
     * Bytes a tensor of this type and shape (ggml order, ne[0] contiguous) occupies.
     *
     * @throws IllegalArgumentException if a dimension is not positive or ne[0] is not a whole number of blocks
     * @throws ArithmeticException if the size does not fit in a long
     */
    public long byteSize(long[] shape) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("a tensor needs at least one dimension");
        }
        for (long dim : shape) {
            if (dim <= 0) {
                throw new IllegalArgumentException("dimension " + dim + " is not positive");
            }
        }
        if (shape[0] % blockElements != 0) {
            throw new IllegalArgumentException("ne[0] = " + shape[0] + " is not a multiple of the " + name()
                    + " block size " + blockElements);
        }
        long bytes = Math.multiplyExact(shape[0] / blockElements, (long) blockBytes);
        for (int i = 1; i < shape.length; i++) {
            bytes = Math.multiplyExact(bytes, shape[i]);
        }
        return bytes;
    }
}
