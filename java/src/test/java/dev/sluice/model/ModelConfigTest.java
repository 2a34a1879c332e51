package dev.sluice.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ModelFormatException;
import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufFormatException;
import dev.sluice.gguf.GgufMetadata;
import dev.sluice.gguf.GgufValue;
import dev.sluice.testing.TinyLlama;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelConfigTest {
    private static final TinyLlama TINY = TinyLlama.small();

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.sluice.model.ModelFiles#goldenModels")
    void goldenModelsMatchTheirMetadata(Path file) throws IOException {
        GgufFile gguf = GgufFile.read(file);
        GgufMetadata m = gguf.metadata();
        ModelConfig c = ModelConfig.from(gguf);
        assertEquals(m.requireStringArray("tokenizer.ggml.tokens").size(), c.nVocab());
        assertEquals(m.requireLong("llama.context_length"), c.nCtxTrain());
        assertEquals(m.requireLong("llama.embedding_length"), c.nEmbd());
        assertEquals(m.requireLong("llama.block_count"), c.nLayer());
        assertEquals(m.requireLong("llama.attention.head_count"), c.nHead());
        assertEquals(m.requireLong("llama.attention.head_count_kv"), c.nHeadKv());
        assertEquals(m.requireLong("llama.feed_forward_length"), c.nFf());
        assertEquals(c.nEmbd() / c.nHead(), c.headDim());
        assertEquals(m.requireLong("llama.rope.dimension_count"), c.nRot());
        assertEquals((float) m.requireDouble("llama.rope.freq_base"), c.ropeFreqBase());
        assertEquals(gguf.tensor("rope_freqs.weight").isPresent() ? RopeScaling.LLAMA3 : RopeScaling.NONE, c.ropeScaling());
        assertEquals(1f, c.ropeFreqScale());
        assertEquals(1e-5f, c.rmsEps());
        assertEquals(false, c.tiedOutput());
        assertEquals(OptionalInt.of((int) m.requireLong("tokenizer.ggml.bos_token_id")), c.bosTokenId());
        assertEquals(OptionalInt.of((int) m.requireLong("tokenizer.ggml.eos_token_id")), c.eosTokenId());
    }

    @Test
    void defaultsApplyWhenKeysAreAbsent() throws IOException {
        ModelConfig c = config(m -> {
            m.remove("llama.attention.head_count_kv");
            m.remove("llama.rope.freq_base");
            m.remove("tokenizer.ggml.bos_token_id");
        });
        assertEquals(TINY.nHead(), c.nHeadKv());
        assertEquals(10000f, c.ropeFreqBase());
        assertEquals(TINY.headDim(), c.nRot());
        assertEquals(OptionalInt.empty(), c.bosTokenId());
        assertEquals(RopeScaling.NONE, c.ropeScaling());
    }

    @Test
    void vocabularySizeComesFromTheTokensOrTheDeclaredSize() throws IOException {
        assertEquals(TINY.nVocab(), config(m -> {}).nVocab());
        assertEquals(TINY.nVocab(), config(m -> {
            m.remove("tokenizer.ggml.tokens");
            m.put("llama.vocab_size", GgufValue.ofUInt32(TINY.nVocab()));
        }).nVocab());
        assertRejected(m -> m.put("llama.vocab_size", GgufValue.ofUInt32(TINY.nVocab() + 1)),
                "llama.vocab_size = 65 but tokenizer.ggml.tokens holds 64 tokens");
    }

    @Test
    void ropeScalingTypes() throws IOException {
        ModelConfig linear = config(m -> {
            m.put("llama.rope.scaling.type", GgufValue.ofString("linear"));
            m.put("llama.rope.scaling.factor", GgufValue.ofFloat32(4));
        });
        assertEquals(RopeScaling.LINEAR, linear.ropeScaling());
        assertEquals(0.25f, linear.ropeFreqScale());
        ModelConfig legacy = config(m -> m.put("llama.rope.scale_linear", GgufValue.ofFloat32(2)));
        assertEquals(RopeScaling.LINEAR, legacy.ropeScaling());
        assertEquals(0.5f, legacy.ropeFreqScale());
        assertRejected(m -> m.put("llama.rope.scaling.type", GgufValue.ofString("yarn")), "unsupported rope scaling type 'yarn'");
    }

    @Test
    void explicitHeadSizeAndRopeDimensions() throws IOException {
        ModelConfig c = config(m -> {
            m.put("llama.attention.key_length", GgufValue.ofUInt32(TINY.headDim()));
            m.put("llama.rope.dimension_count", GgufValue.ofUInt32(TINY.headDim() / 2));
        });
        assertEquals(TINY.headDim(), c.headDim());
        assertEquals(TINY.headDim() / 2, c.nRot());
    }

    @Test
    void withoutOutputWeightTheOutputIsTied() throws IOException {
        Map<String, long[]> shapes = TINY.tensorShapes();
        shapes.remove("output.weight");
        GgufFile file = ModelFiles.write(dir, TINY.metadata(), shapes);
        ModelConfig c = ModelConfig.from(file);
        assertTrue(c.tiedOutput());
        assertTrue(TensorTable.of(c, file).get(TensorRole.OUTPUT, ModelTensor.NO_LAYER).isEmpty());
    }

    @Test
    void otherArchitecturesAreRefused() {
        assertRejected(m -> m.put("general.architecture", GgufValue.ofString("gpt2")),
                "unsupported architecture 'gpt2' (Sluice runs llama)");
    }

    @Test
    void missingKeysAreNamed() {
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> config(m -> m.remove("llama.embedding_length")));
        assertEquals("missing metadata key 'llama.embedding_length'", e.getMessage());
    }

    @Test
    void inconsistentHyperparametersAreRefused() {
        assertRejected(m -> m.put("llama.attention.head_count", GgufValue.ofUInt32(3)), "not a multiple of the head count 3");
        assertRejected(m -> m.put("llama.attention.head_count_kv", GgufValue.ofUInt32(3)), "not a multiple of the KV head count 3");
        assertRejected(m -> m.put("llama.block_count", GgufValue.ofUInt32(0)), "'llama.block_count' = 0 must be between 1");
        assertRejected(m -> m.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(-1)), "RMS norm epsilon = -1.0");
        assertRejected(m -> m.put("llama.rope.freq_base", GgufValue.ofFloat32(Float.NaN)), "rope freq base = NaN");
        assertRejected(m -> m.put("llama.rope.dimension_count", GgufValue.ofUInt32(3)), "rope dimension count 3");
        assertRejected(m -> m.put("llama.attention.value_length", GgufValue.ofUInt32(8)), "value head size 8 differs");
        assertRejected(m -> m.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(64)), "special token id 64 is outside");
        assertRejected(m -> m.put("llama.embedding_length", GgufValue.ofString("64")), "'llama.embedding_length' holds STRING");
    }

    private ModelConfig config(Consumer<Map<String, GgufValue>> change) throws IOException {
        Map<String, GgufValue> metadata = TINY.metadata();
        change.accept(metadata);
        return ModelConfig.from(ModelFiles.write(dir, metadata, TINY.tensorShapes()));
    }

    private void assertRejected(Consumer<Map<String, GgufValue>> change, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> config(change));
        assertTrue(e.getMessage().contains(expected), () -> "message \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
    }
}
