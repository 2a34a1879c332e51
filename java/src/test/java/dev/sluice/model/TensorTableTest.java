package dev.sluice.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ModelFormatException;
import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufTensorInfo;
import dev.sluice.gguf.GgufValue;
import dev.sluice.testing.TinyLlama;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TensorTableTest {
    private static final TinyLlama TINY = TinyLlama.small();

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.sluice.model.ModelFiles#goldenModels")
    void goldenModelsHaveEveryTensorOnceWithItsRole(Path file) throws IOException {
        GgufFile gguf = GgufFile.read(file);
        ModelConfig config = ModelConfig.from(gguf);
        TensorTable table = TensorTable.of(config, gguf);
        assertEquals(gguf.tensors().size(), table.tensors().size());
        for (ModelTensor t : table.tensors()) {
            assertEquals(t.role().tensorName(t.layer()), t.info().name());
        }
        long total = 0;
        for (int layer = 0; layer < config.nLayer(); layer++) {
            String prefix = "blk." + layer + ".";
            long expected = gguf.tensors().stream().filter(t -> t.name().startsWith(prefix))
                    .mapToLong(GgufTensorInfo::byteSize).sum();
            assertEquals(expected, table.layerBytes(layer));
            total += expected;
        }
        assertEquals(gguf.tensors().stream().mapToLong(GgufTensorInfo::byteSize).sum(), table.totalBytes());
        assertEquals(table.totalBytes() - total, table.nonLayerBytes());
        assertEquals(gguf.tensor("blk.1.ffn_down.weight"), table.get(TensorRole.FFN_DOWN, 1).map(ModelTensor::info));
    }

    @Test
    void ropeFactorsMakeLlama3Scaling() throws IOException {
        TensorTable table = table(s -> s.put("rope_freqs.weight", new long[] {TINY.headDim() / 2}));
        assertTrue(table.get(TensorRole.ROPE_FREQS, ModelTensor.NO_LAYER).isPresent());
    }

    @Test
    void missingTensorsAreNamed() {
        assertRejected(s -> s.remove("blk.1.ffn_up.weight"), "missing tensor 'blk.1.ffn_up.weight'");
        assertRejected(s -> s.remove("output_norm.weight"), "missing tensor 'output_norm.weight'");
    }

    @Test
    void shapesMustFollowTheHyperparameters() {
        assertRejected(s -> s.put("blk.0.attn_k.weight", new long[] {64, 64}),
                "tensor 'blk.0.attn_k.weight' has shape [64, 64], expected [64, 32]");
        assertRejected(s -> s.put("token_embd.weight", new long[] {64, 65}), "expected [64, 64]");
        assertRejected(s -> s.put("rope_freqs.weight", new long[] {TINY.headDim()}), "expected [8]");
    }

    @Test
    void unknownTensorsAreNamed() {
        assertRejected(s -> s.put("blk.0.attn_rot_embd.weight", new long[] {8}), "unknown tensor 'blk.0.attn_rot_embd.weight'");
        assertRejected(s -> s.put("blk.01.attn_q.weight", new long[] {8}), "unknown tensor 'blk.01.attn_q.weight'");
        assertRejected(s -> s.put("attn_q.weight", new long[] {8}), "unknown tensor 'attn_q.weight'");
        assertRejected(s -> s.put("blk.2.attn_q.weight", new long[] {64, 64}), "belongs to block 2, but the model has 2 blocks");
    }

    @Test
    void aBlockCountTheTensorsCannotCoverIsRefused() throws IOException {
        Map<String, GgufValue> metadata = TINY.metadata();
        metadata.put("llama.block_count", GgufValue.ofUInt32(Integer.MAX_VALUE));
        GgufFile file = ModelFiles.write(dir, metadata, TINY.tensorShapes());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TensorTable.of(ModelConfig.from(file), file));
        assertTrue(e.getMessage().contains("declares 2147483647 blocks"), e.getMessage());
    }

    private TensorTable table(Consumer<Map<String, long[]>> change) throws IOException {
        Map<String, long[]> shapes = TINY.tensorShapes();
        change.accept(shapes);
        GgufFile file = ModelFiles.write(dir, TINY.metadata(), shapes);
        return TensorTable.of(ModelConfig.from(file), file);
    }

    private void assertRejected(Consumer<Map<String, long[]>> change, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> table(change));
        assertTrue(e.getMessage().contains(expected), () -> "message \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
    }
}
