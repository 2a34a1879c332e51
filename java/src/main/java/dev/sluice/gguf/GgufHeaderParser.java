package dev.sluice.gguf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates the header of an untrusted GGUF file: every count and length is checked against
 * the bytes that remain before anything is allocated, and the tensor layout (types, shapes, alignment,
 * bounds, overlaps) is checked against the file size.
 */
final class GgufHeaderParser {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_DIMS = 4;
    static final int MAX_TENSOR_NAME_BYTES = 63;   // ggml's GGML_MAX_NAME minus the terminator
    static final int MAX_KEY_BYTES = 65535;
    static final int MAX_STRING_BYTES = 16 << 20;
    static final int MAX_ARRAY_DEPTH = 8;
    /** All metadata values together (array elements included); bounds the heap the metadata takes. */
    static final int MAX_VALUES = 1 << 22;
    private static final int MIN_KV_BYTES = 8 + 4 + 1;            // key length, type, smallest value
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // name length, n_dims, type, offset

    private final HeaderInput in;
    private final long fileSize;
    private long valuesRead;

    private GgufHeaderParser(HeaderInput in, long fileSize) {
        this.in = in;
        this.fileSize = fileSize;
    }

    static GgufFile parse(HeaderInput in, long fileSize) throws IOException {
        return new GgufHeaderParser(in, fileSize).parse();
    }

    private GgufFile parse() throws IOException {
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException(String.format("not a GGUF file: the first 4 bytes are %08x, expected \"GGUF\"",
                    Integer.reverseBytes(magic)));
        }
        long version = in.u32("version");
        if (version != 2 && version != 3) {
            long swapped = Long.reverseBytes(version) >>> 32;
            String hint = swapped == 2 || swapped == 3 ? " (a big-endian file?)" : "";
            throw new GgufFormatException("unsupported GGUF version " + version + hint + "; Sluice reads versions 2 and 3");
        }
        long tensorCount = count("tensor count", MIN_TENSOR_INFO_BYTES);
        long kvCount = count("metadata key/value count", MIN_KV_BYTES);
        GgufMetadata metadata = new GgufMetadata(readMetadata(kvCount));
        long alignment = alignment(metadata);
        List<GgufTensorInfo> tensors = readTensorInfos(tensorCount);
        long dataOffset = alignUp(in.position(), alignment);
        checkLayout(tensors, alignment, dataOffset);
        return new GgufFile((int) version, fileSize, alignment, dataOffset, metadata, tensors);
    }

    /** A u64 count of entries each at least {@code minBytes} long: bounded by what remains of the file. */
    private long count(String what, int minBytes) throws IOException {
        long at = in.position();
        long n = in.u64(what);
        if (n < 0 || n > in.remaining() / minBytes) {
            throw new GgufFormatException(what + " " + Long.toUnsignedString(n) + " at offset " + at
                    + " cannot fit in the " + in.remaining() + " bytes that remain (truncated or corrupt file?)");
        }
        return n;
    }

    private Map<String, GgufValue> readMetadata(long kvCount) throws IOException {
        Map<String, GgufValue> values = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = in.string("metadata key #" + i, MAX_KEY_BYTES);
            if (key.isEmpty()) {
                throw new GgufFormatException("metadata key #" + i + " at offset " + at + " is empty");
            }
            GgufValueType type = valueType("type of metadata key '" + key + "'");
            GgufValue value = readValue(type, "metadata key '" + key + "'", 0);
            if (values.putIfAbsent(key, value) != null) {
                throw new GgufFormatException("duplicate metadata key '" + key + "' at offset " + at);
            }
        }
        return values;
    }

    private GgufValueType valueType(String what) throws IOException {
        long at = in.position();
        long id = in.u32(what);
        return GgufValueType.fromId(id).orElseThrow(() -> new GgufFormatException(
                what + " at offset " + at + " is " + id + ", not a GGUF value type (0..12)"));
    }

    private GgufValue readValue(GgufValueType type, String what, int depth) throws IOException {
        if (++valuesRead > MAX_VALUES) {
            throw new GgufFormatException("the metadata holds more than " + MAX_VALUES + " values (at " + what + ")");
        }
        return switch (type) {
            case UINT8 -> new GgufValue.IntValue(type, in.u8(what));
            case INT8 -> new GgufValue.IntValue(type, (byte) in.u8(what));
            case UINT16 -> new GgufValue.IntValue(type, in.u16(what));
            case INT16 -> new GgufValue.IntValue(type, (short) in.u16(what));
            case UINT32 -> new GgufValue.IntValue(type, in.u32(what));
            case INT32 -> new GgufValue.IntValue(type, in.i32(what));
            case UINT64, INT64 -> new GgufValue.IntValue(type, in.u64(what));
            case FLOAT32 -> new GgufValue.FloatValue(type, in.f32(what));
            case FLOAT64 -> new GgufValue.FloatValue(type, in.f64(what));
            case BOOL -> readBool(what);
            case STRING -> new GgufValue.StringValue(in.string(what, MAX_STRING_BYTES));
            case ARRAY -> readArray(what, depth);
        };
    }

    private GgufValue readBool(String what) throws IOException {
        long at = in.position();
        int b = in.u8(what);
        if (b > 1) {
            throw new GgufFormatException(what + " at offset " + at + " is a bool of value " + b + ", not 0 or 1");
        }
        return new GgufValue.BoolValue(b == 1);
    }

    private GgufValue readArray(String what, int depth) throws IOException {
        if (depth >= MAX_ARRAY_DEPTH) {
            throw new GgufFormatException(what + " at offset " + in.position() + " nests arrays deeper than "
                    + MAX_ARRAY_DEPTH);
        }
        GgufValueType elementType = valueType("element type of " + what);
        long count = count("element count of " + what, elementType.minEncodedBytes());
        if (count > MAX_VALUES) {
            throw new GgufFormatException(what + " has " + count + " elements, above the limit of " + MAX_VALUES);
        }
        List<GgufValue> elements = new ArrayList<>((int) count);
        String elementWhat = "an element of " + what; // the offset in any error locates the element
        for (long i = 0; i < count; i++) {
            elements.add(readValue(elementType, elementWhat, depth + 1));
        }
        return new GgufValue.ArrayValue(elementType, elements);
    }

    private static long alignment(GgufMetadata metadata) throws GgufFormatException {
        GgufValue value = metadata.get(ALIGNMENT_KEY);
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!(value instanceof GgufValue.IntValue i) || !i.fitsLong()) {
            throw new GgufFormatException("metadata key '" + ALIGNMENT_KEY + "' must be an unsigned integer, found "
                    + value.type() + " " + value);
        }
        long alignment = i.bits();
        if (alignment <= 0 || Long.bitCount(alignment) != 1 || alignment > (1L << 30)) {
            throw new GgufFormatException("metadata key '" + ALIGNMENT_KEY + "' = " + alignment
                    + " is not a power of two between 1 and 2^30");
        }
        return alignment;
    }

    private List<GgufTensorInfo> readTensorInfos(long tensorCount) throws IOException {
        List<GgufTensorInfo> tensors = new ArrayList<>((int) tensorCount);
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = in.position();
            String name = in.string("name of tensor #" + i, MAX_TENSOR_NAME_BYTES);
            if (!names.add(name)) {
                throw new GgufFormatException("duplicate tensor name '" + name + "' at offset " + at);
            }
            tensors.add(readTensorInfo(name));
        }
        return tensors;
    }

    private GgufTensorInfo readTensorInfo(String name) throws IOException {
        String what = "tensor '" + name + "'";
        long dimsAt = in.position();
        long nDims = in.u32("dimension count of " + what);
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw new GgufFormatException(what + " has " + nDims + " dimensions at offset " + dimsAt
                    + "; GGUF tensors have 1 to " + MAX_DIMS);
        }
        long[] shape = new long[(int) nDims];
        for (int d = 0; d < nDims; d++) {
            long at = in.position();
            shape[d] = in.u64("ne[" + d + "] of " + what);
            if (shape[d] <= 0) {
                throw new GgufFormatException(what + " has dimension ne[" + d + "] = " + Long.toUnsignedString(shape[d])
                        + " at offset " + at + "; dimensions must be between 1 and 2^63-1");
            }
        }
        long typeAt = in.position();
        long typeId = in.u32("type of " + what);
        int id = (int) Math.min(typeId, Integer.MAX_VALUE);
        GgmlType type = GgmlType.fromId(id).orElseThrow(() -> new GgufFormatException(what + " has type "
                + GgmlType.nameOf(id) + " (ggml type id " + typeId + ", at offset " + typeAt
                + "), which Sluice does not support"));
        long offsetAt = in.position();
        long offset = in.u64("data offset of " + what);
        if (offset < 0) {
            throw new GgufFormatException(what + " has data offset " + Long.toUnsignedString(offset) + " at offset "
                    + offsetAt + ", beyond any file");
        }
        return new GgufTensorInfo(name, type, shape, offset, byteSize(what, type, shape));
    }

    private static long byteSize(String what, GgmlType type, long[] shape) throws GgufFormatException {
        if (shape[0] % type.blockElements() != 0) {
            throw new GgufFormatException(what + " has ne[0] = " + shape[0] + ", not a multiple of the " + type
                    + " block size " + type.blockElements());
        }
        try {
            return type.byteSize(shape);
        } catch (ArithmeticException e) {
            throw new GgufFormatException(what + " of shape " + Arrays.toString(shape) + " and type " + type
                    + " is larger than 2^63 bytes");
        }
    }

    /** Every tensor aligned, inside the file, and not overlapping another. */
    private void checkLayout(List<GgufTensorInfo> tensors, long alignment, long dataOffset) throws GgufFormatException {
        long dataBytes = fileSize - dataOffset;
        for (GgufTensorInfo t : tensors) {
            if (t.offset() % alignment != 0) {
                throw new GgufFormatException("tensor '" + t.name() + "' data offset " + t.offset()
                        + " is not a multiple of the alignment " + alignment);
            }
            if (t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                throw new GgufFormatException("tensor '" + t.name() + "' data (" + t.byteSize() + " bytes at file offset "
                        + (dataOffset + t.offset()) + ") extends beyond the end of the file (" + fileSize + " bytes)");
            }
        }
        List<GgufTensorInfo> byOffset = tensors.stream().sorted(Comparator.comparingLong(GgufTensorInfo::offset)).toList();
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensorInfo previous = byOffset.get(i - 1);
            GgufTensorInfo next = byOffset.get(i);
            if (previous.offset() + previous.byteSize() > next.offset()) {
                throw new GgufFormatException("tensor '" + next.name() + "' data at offset " + next.offset()
                        + " overlaps tensor '" + previous.name() + "' (" + previous.byteSize() + " bytes at offset "
                        + previous.offset() + ")");
            }
        }
    }

    static long alignUp(long offset, long alignment) {
        return (offset + alignment - 1) & -alignment;
    }
}
