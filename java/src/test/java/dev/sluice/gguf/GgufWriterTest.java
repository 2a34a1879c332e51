package dev.sluice.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ModelFormatException;
import dev.sluice.gguf.GgufValue.ArrayValue;
import dev.sluice.gguf.GgufValue.IntValue;
import dev.sluice.testing.TinyLlama;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GgufWriter output read back by GgufFile: every value type, every tensor type, alignments, versions. */
class GgufWriterTest {
    @TempDir
    Path dir;

    /** One value of every type, extremes included, and arrays of arrays. */
    static Map<String, GgufValue> everyValueType() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("u8", new IntValue(GgufValueType.UINT8, 255));
        m.put("i8", new IntValue(GgufValueType.INT8, -128));
        m.put("u16", new IntValue(GgufValueType.UINT16, 65535));
        m.put("i16", new IntValue(GgufValueType.INT16, -32768));
        m.put("u32", GgufValue.ofUInt32(0xFFFF_FFFFL));
        m.put("i32", GgufValue.ofInt32(Integer.MIN_VALUE));
        m.put("u64", GgufValue.ofUInt64(-1L));
        m.put("i64", new IntValue(GgufValueType.INT64, Long.MIN_VALUE));
        m.put("f32", GgufValue.ofFloat32(-1.5e-7f));
        m.put("f64", GgufValue.ofFloat64(Math.PI));
        m.put("nan", GgufValue.ofFloat32(Float.NaN));
        m.put("yes", GgufValue.ofBool(true));
        m.put("no", GgufValue.ofBool(false));
        m.put("text", GgufValue.ofString("héllo ✓ 日本 \uD83E\uDD99"));
        m.put("empty", GgufValue.ofString(""));
        m.put("strings", GgufValue.ofStringArray(List.of("a", "", "ü")));
        m.put("floats", GgufValue.ofFloat32Array(new float[] {1f, -2.5f, 3e30f}));
        m.put("ints", GgufValue.ofInt32Array(new int[] {0, -1, Integer.MAX_VALUE}));
        m.put("u8s", new ArrayValue(GgufValueType.UINT8,
                List.of(new IntValue(GgufValueType.UINT8, 0), new IntValue(GgufValueType.UINT8, 200))));
        m.put("u64s", new ArrayValue(GgufValueType.UINT64, List.of(GgufValue.ofUInt64(Long.MIN_VALUE))));
        m.put("no_elements", new ArrayValue(GgufValueType.FLOAT64, List.of()));
        m.put("nested", new ArrayValue(GgufValueType.ARRAY, List.of(
                GgufValue.ofStringArray(List.of("x")),
                GgufValue.ofInt32Array(new int[] {7}),
                new ArrayValue(GgufValueType.ARRAY, List.of(new ArrayValue(GgufValueType.BOOL, List.of(GgufValue.ofBool(true))))))));
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void everyValueTypeRoundTrips(int version) throws IOException {
        GgufWriter writer = new GgufWriter(version);
        everyValueType().forEach(writer::put);
        Path file = dir.resolve("values.gguf");
        writer.write(file);

        GgufFile gguf = GgufFile.read(file);
        assertEquals(version, gguf.version());
        assertEquals(everyValueType(), gguf.metadata().asMap());
        assertEquals(List.copyOf(everyValueType().keySet()), List.copyOf(gguf.metadata().keys()));
    }

    @Test
    void typedGettersConvertAndRejectMismatches() throws IOException {
        GgufWriter writer = new GgufWriter();
        everyValueType().forEach(writer::put);
        Path file = dir.resolve("getters.gguf");
        writer.write(file);
        GgufMetadata m = GgufFile.read(file).metadata();

        assertEquals(0xFFFF_FFFFL, m.getLong("u32").orElseThrow());
        assertEquals(-128, m.getLong("i8").orElseThrow());
        assertEquals(65535.0, m.getDouble("u16").orElseThrow());
        assertEquals(Math.PI, m.getDouble("f64").orElseThrow());
        assertEquals(true, m.getBoolean("yes").orElseThrow());
        assertEquals(List.of("a", "", "ü"), m.getStringArray("strings").orElseThrow());
        assertArrayEquals(new float[] {1f, -2.5f, 3e30f}, m.getFloatArray("floats").orElseThrow());
        assertArrayEquals(new int[] {0, -1, Integer.MAX_VALUE}, m.getIntArray("ints").orElseThrow());
        assertArrayEquals(new int[] {0, 200}, m.getIntArray("u8s").orElseThrow());
        assertEquals("18446744073709551615", m.get("u64").toString());
        assertEquals("[[\"x\"], [7], [[true]]]", m.get("nested").toString());
        assertTrue(m.getLong("absent").isEmpty());

        assertThrows(ModelFormatException.class, () -> m.getLong("u64"), "uint64 above Long.MAX_VALUE");
        assertThrows(ModelFormatException.class, () -> m.getString("u32"));
        assertThrows(ModelFormatException.class, () -> m.getLong("text"));
        assertThrows(ModelFormatException.class, () -> m.getIntArray("u64s"));
        assertThrows(ModelFormatException.class, () -> m.getFloatArray("ints"));
        assertThrows(ModelFormatException.class, () -> m.getStringArray("nested"));
        GgufFormatException missing = assertThrows(GgufFormatException.class, () -> m.requireString("absent.key"));
        assertEquals("missing metadata key 'absent.key'", missing.getMessage());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 8, 32, 64, 4096})
    void tensorsOfEveryTypeAreAlignedAndHoldTheirData(long alignment) throws IOException {
        GgufWriter writer = new GgufWriter().put("general.alignment", GgufValue.ofUInt32(alignment));
        GgmlType[] types = GgmlType.values();
        for (int i = 0; i < types.length; i++) {
            int seed = i;
            long[] shape = {256, i + 1};
            writer.addTensor("t" + i, types[i], shape, out -> TinyLlama.fill(out, types[seed].byteSize(shape), seed));
        }
        Path file = dir.resolve("tensors.gguf");
        writer.write(file);

        GgufFile gguf = GgufFile.read(file);
        assertEquals(alignment, gguf.alignment());
        assertEquals(0, gguf.dataOffset() % alignment);
        assertEquals(types.length, gguf.tensors().size());
        try (FileChannel channel = FileChannel.open(file)) {
            for (int i = 0; i < types.length; i++) {
                GgufTensorInfo t = gguf.tensor("t" + i).orElseThrow();
                assertEquals(types[i], t.type());
                assertArrayEquals(new long[] {256, i + 1}, t.shape());
                assertEquals(256L * (i + 1), t.elementCount());
                assertEquals(0, t.offset() % alignment);
                assertArrayEquals(expectedPattern(i, t.byteSize()), readData(channel, gguf.absoluteOffset(t), t.byteSize()));
            }
        }
    }

    @Test
    void aFortyGigabyteModelIsReadFromItsHeaderAlone() throws IOException {
        long[] shape = {8192, 1310720}; // 20 GiB of F16 each: offsets beyond 2^32
        long size = GgmlType.F16.byteSize(shape);
        GgufWriter writer = new GgufWriter();
        for (String name : List.of("a", "b")) {
            writer.addTensor(name, GgmlType.F16, shape, out -> {
                // a hole and one last byte: the file is sparse, its data never written or read
                SeekableByteChannel file = (SeekableByteChannel) out;
                file.position(file.position() + size - 1);
                file.write(ByteBuffer.allocate(1));
            });
        }
        Path file = dir.resolve("big.gguf");
        writer.write(file);

        GgufFile gguf = GgufFile.read(file);
        GgufTensorInfo b = gguf.tensor("b").orElseThrow();
        assertEquals(20L << 30, b.offset());
        assertEquals(40L << 30, gguf.fileSize() - gguf.dataOffset());
        assertEquals(gguf.fileSize(), gguf.absoluteOffset(b) + b.byteSize());
    }

    @Test
    void aFileWithoutTensorsIsValid() throws IOException {
        Path file = dir.resolve("empty.gguf");
        new GgufWriter().write(file);
        GgufFile gguf = GgufFile.read(file);
        assertEquals(List.of(), gguf.tensors());
        assertEquals(List.of(), List.copyOf(gguf.metadata().keys()));
        assertEquals(32, gguf.alignment());
    }

    @Test
    void aSourceThatWritesTheWrongSizeFailsTheWrite() {
        GgufWriter writer = new GgufWriter().addTensor("short", GgmlType.F32, new long[] {4}, out -> out.write(ByteBuffer.allocate(15)));
        IOException e = assertThrows(IOException.class, () -> writer.write(dir.resolve("short.gguf")));
        assertEquals("the data source of tensor 'short' wrote 15 bytes, expected 16", e.getMessage());
    }

    @Test
    void theWriterRefusesWhatCouldNotBeRead() {
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter(1));
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().put("k", GgufValue.ofBool(true)).put("k", GgufValue.ofBool(false)));
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().addTensor("q", GgmlType.Q4_0, new long[] {33}, out -> {}));
        GgufWriter badAlignment = new GgufWriter().put("general.alignment", GgufValue.ofUInt32(48));
        assertThrows(IllegalArgumentException.class, () -> badAlignment.write(dir.resolve("bad.gguf")));
    }

    private static byte[] expectedPattern(int seed, long size) {
        byte[] b = new byte[(int) size];
        for (int k = 0; k < b.length; k++) {
            b[k] = TinyLlama.patternByte(seed, k);
        }
        return b;
    }

    private static byte[] readData(FileChannel channel, long offset, long size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.array();
    }
}
