package dev.sluice.gguf;

import dev.sluice.testing.TinyLlama;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fuzzer's seed files: small valid GGUF files that reach every part of the reader. They are committed
 * under the Jazzer inputs directory of {@link GgufFuzzTest}; regenerate them after a format change with
 * {@code java -cp target/classes:target/test-classes dev.sluice.gguf.FuzzSeeds <that directory>}.
 */
public final class FuzzSeeds {
    static final String RESOURCE_DIR = "GgufFuzzTestInputs/readerAcceptsOrRejectsCleanly";
    static final String[] NAMES = {"values.gguf", "llama.gguf", "quantized-v2.gguf"};

    private FuzzSeeds() {}

    public static void main(String[] args) throws IOException {
        writeAll(Path.of(args[0]));
    }

    static void writeAll(Path dir) throws IOException {
        Files.createDirectories(dir);
        GgufWriter values = new GgufWriter();
        GgufWriterTest.everyValueType().forEach(values::put);
        values.write(dir.resolve(NAMES[0]));

        new TinyLlama(8, 8, 1, 2, 1, 16, GgmlType.F32).write(dir.resolve(NAMES[1]));

        GgufWriter quantized = new GgufWriter(2).put("general.alignment", GgufValue.ofUInt32(64));
        quantized.addTensor("q4_0", GgmlType.Q4_0, new long[] {32}, out -> TinyLlama.fill(out, 18, 1));
        quantized.addTensor("q2_k", GgmlType.Q2_K, new long[] {256}, out -> TinyLlama.fill(out, 84, 2));
        quantized.addTensor("f16", GgmlType.F16, new long[] {2, 2}, out -> TinyLlama.fill(out, 8, 3));
        quantized.write(dir.resolve(NAMES[2]));
    }
}
