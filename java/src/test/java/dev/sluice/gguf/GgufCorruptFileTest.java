package dev.sluice.gguf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.TinyLlama;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad files: each is a GgufFormatException whose message says what is wrong, never another exception. */
class GgufCorruptFileTest {
    private static final long U64_MAX = -1L;
    private static final int F32 = 0;
    private static final int Q4_0 = 2;

    @TempDir
    Path dir;

    @Test
    void everyTruncationIsReported() throws IOException {
        byte[] whole = Files.readAllBytes(TinyLlama.small().write(dir.resolve("whole.gguf")));
        long dataOffset = GgufFile.read(dir.resolve("whole.gguf")).dataOffset();
        Path cut = dir.resolve("cut.gguf");
        for (int length = 0; length < whole.length; length += length < dataOffset + 64 ? 1 : 4093) {
            Files.write(cut, Arrays.copyOf(whole, length));
            int at = length;
            assertThrows(GgufFormatException.class, () -> GgufFile.read(cut), () -> "truncated to " + at + " bytes");
        }
    }

    @Test
    void badMagicAndVersions() throws IOException {
        assertRejected(new byte[] {'G', 'G', 'M', 'L', 2, 0, 0, 0}, "not a GGUF file");
        assertRejected(RawGguf.header(1, 0, 0).toBytes(), "unsupported GGUF version 1");
        assertRejected(RawGguf.header(4, 0, 0).toBytes(), "unsupported GGUF version 4");
        assertRejected(RawGguf.header(3L << 24, 0, 0).toBytes(), "big-endian");
    }

    @Test
    void countsBeyondTheFileAreReported() throws IOException {
        assertRejected(RawGguf.header(3, U64_MAX, 0).toBytes(), "tensor count 18446744073709551615");
        assertRejected(RawGguf.header(3, Long.MAX_VALUE, 0).toBytes(), "tensor count");
        assertRejected(RawGguf.header(3, 0, 1L << 40).toBytes(), "metadata key/value count");
        assertRejected(RawGguf.header(3, 1, 0).toBytes(), "tensor count 1");
    }

    @Test
    void hugeLengthsAreReported() throws IOException {
        byte[] room = new byte[16]; // enough bytes after the counts that the count check passes
        assertRejected(RawGguf.header(3, 0, 1).u64(U64_MAX).raw(room).toBytes(), "length 18446744073709551615");
        assertRejected(RawGguf.header(3, 0, 1).u64(Integer.MAX_VALUE + 10L).raw(room).toBytes(), "metadata key #0");
        assertRejected(RawGguf.header(3, 0, 1).u64(30).raw(new byte[29]).toBytes(), "file truncated");
        assertRejected(RawGguf.header(3, 0, 1).key("s", GgufValueType.STRING).u64(1L << 40).raw(room).toBytes(), "metadata key 's'");
        assertRejected(RawGguf.header(3, 0, 1).key("a", GgufValueType.ARRAY).u32(GgufValueType.UINT8.id()).u64(U64_MAX)
                .toBytes(), "element count of metadata key 'a'");
        assertRejected(RawGguf.header(3, 0, 1).key("a", GgufValueType.ARRAY).u32(GgufValueType.STRING.id()).u64(3)
                .u64(0).u64(0).toBytes(), "element count of metadata key 'a'");
    }

    @Test
    void badValuesAreReported() throws IOException {
        assertRejected(RawGguf.header(3, 0, 1).str("k").u32(13).u8(0).toBytes(), "type of metadata key 'k' at offset");
        assertRejected(RawGguf.header(3, 0, 1).str("k").u32(0xFFFF_FFFFL).u8(0).toBytes(), "4294967295, not a GGUF value type");
        assertRejected(RawGguf.header(3, 0, 1).key("a", GgufValueType.ARRAY).u32(99).u64(0).toBytes(), "element type of metadata key 'a'");
        assertRejected(RawGguf.header(3, 0, 1).key("b", GgufValueType.BOOL).u8(2).toBytes(), "bool of value 2");
        assertRejected(RawGguf.header(3, 0, 1).str("").u32(GgufValueType.UINT8.id()).u8(0).toBytes(), "is empty");
        assertRejected(RawGguf.header(3, 0, 1).u64(2).raw(new byte[] {(byte) 0xC3, 0x28}).u32(0).u8(0).toBytes(), "not valid UTF-8");
        RawGguf deep = RawGguf.header(3, 0, 1).key("deep", GgufValueType.ARRAY);
        for (int i = 0; i < 100; i++) {
            deep.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        assertRejected(deep.toBytes(), "nests arrays deeper");
        assertRejected(RawGguf.header(3, 0, 2).key("k", GgufValueType.UINT8).u8(1).key("k", GgufValueType.UINT8).u8(2)
                .toBytes(), "duplicate metadata key 'k'");
    }

    @Test
    void badAlignmentsAreReported() throws IOException {
        for (long alignment : new long[] {0, 3, 48, 1L << 31}) {
            assertRejected(RawGguf.header(3, 0, 1).key("general.alignment", GgufValueType.UINT32).u32(alignment).toBytes(),
                    "'general.alignment' = " + alignment);
        }
        assertRejected(RawGguf.header(3, 0, 1).key("general.alignment", GgufValueType.STRING).str("32").toBytes(),
                "must be an unsigned integer");
    }

    @Test
    void badTensorInfosAreReported() throws IOException {
        assertTensorRejected(new long[] {}, F32, 0, "'w' has 0 dimensions");
        assertTensorRejected(new long[] {1, 1, 1, 1, 1}, F32, 0, "'w' has 5 dimensions");
        assertTensorRejected(new long[] {4, 0}, F32, 0, "ne[1] = 0");
        assertTensorRejected(new long[] {U64_MAX}, F32, 0, "ne[0] = 18446744073709551615");
        assertTensorRejected(new long[] {1L << 32, 1L << 32}, F32, 0, "larger than 2^63 bytes");
        assertTensorRejected(new long[] {1L << 40, 1L << 20}, F32, 0, "beyond the end of the file");
        assertTensorRejected(new long[] {4}, 16, 0, "'w' has type IQ2_XXS (ggml type id 16");
        assertTensorRejected(new long[] {4}, 0xFFFF_FFFFL, 0, "ggml type id 4294967295");
        assertTensorRejected(new long[] {33}, Q4_0, 0, "not a multiple of the Q4_0 block size 32");
        assertTensorRejected(new long[] {4}, F32, 1, "not a multiple of the alignment 32");
        assertTensorRejected(new long[] {4}, F32, 64, "beyond the end of the file");
        assertTensorRejected(new long[] {4}, F32, U64_MAX, "data offset 18446744073709551615");
        assertRejected(RawGguf.header(3, 1, 0).tensor("n".repeat(64), new long[] {4}, F32, 0).data(32, 16).toBytes(),
                "name of tensor #0");
    }

    @Test
    void duplicateAndOverlappingTensorsAreReported() throws IOException {
        assertRejected(RawGguf.header(3, 2, 0).tensor("w", new long[] {8}, F32, 0).tensor("w", new long[] {8}, F32, 32)
                .data(32, 64).toBytes(), "duplicate tensor name 'w'");
        assertRejected(RawGguf.header(3, 2, 0).tensor("a", new long[] {16}, F32, 32).tensor("b", new long[] {16}, F32, 0)
                .data(32, 128).toBytes(), "tensor 'a' data at offset 32 overlaps tensor 'b'");
    }

    @Test
    void aValidHandBuiltFileIsAccepted() throws IOException {
        // the corrupt cases above differ from this file in one field each
        Path file = dir.resolve("ok.gguf");
        RawGguf.header(3, 2, 0).tensor("a", new long[] {8}, F32, 0).tensor("b", new long[] {64}, Q4_0, 32).data(32, 68)
                .write(file);
        assertTrue(GgufFile.read(file).tensor("b").isPresent());
    }

    private void assertTensorRejected(long[] shape, long typeId, long offset, String expected) throws IOException {
        assertRejected(RawGguf.header(3, 1, 0).tensor("w", shape, (int) typeId, offset).data(32, 32).toBytes(), expected);
    }

    private void assertRejected(byte[] contents, String expected) throws IOException {
        Path file = Files.write(dir.resolve("bad.gguf"), contents);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.read(file));
        assertTrue(e.getMessage().contains(expected), () -> "message \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
    }
}
