package dev.sluice.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The reader on the golden files (written by llama.cpp's tools); expected values are from golden/README.md. */
class GgufGoldenTest {
    static Stream<Path> models() {
        return ggufFiles("models");
    }

    static Stream<Path> vocabularies() {
        return ggufFiles("tokenizer");
    }

    private static Stream<Path> ggufFiles(String folder) {
        List<Path> files = Golden.list(folder, ".gguf");
        assertFalse(files.isEmpty(), "no golden .gguf files in " + folder);
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void modelMetadataMatchesTheReadme(Path file) throws IOException {
        GgufFile gguf = GgufFile.read(file);
        GgufMetadata m = gguf.metadata();
        boolean spm = file.getFileName().toString().startsWith("tiny-spm-");
        assertEquals(3, gguf.version());
        assertEquals("llama", m.requireString("general.architecture"));
        assertEquals(256, m.requireLong("llama.embedding_length"));
        assertEquals(4, m.requireLong("llama.attention.head_count"));
        assertEquals(spm ? 2 : 1, m.requireLong("llama.attention.head_count_kv"));
        assertEquals(spm ? 512 : 768, m.requireLong("llama.feed_forward_length"));
        assertEquals(spm ? 10000.0 : 500000.0, m.requireDouble("llama.rope.freq_base"));
        // trimmed vocabularies: 2048 ordinary tokens, plus Llama-3's 256 special ones
        assertEquals(spm ? 2048 : 2304, m.requireStringArray("tokenizer.ggml.tokens").size());
        assertEquals(spm ? 1 : 2048, m.requireLong("tokenizer.ggml.bos_token_id"));
        assertEquals(spm ? "llama" : "gpt2", m.requireString("tokenizer.ggml.model"));
        assertEquals(!spm, gguf.tensor("rope_freqs.weight").isPresent());
        long layers = m.requireLong("llama.block_count");
        assertEquals(3 + 9 * layers + (spm ? 0 : 1), gguf.tensors().size());
    }

    @ParameterizedTest
    @MethodSource("models")
    void weightTypesMatchTheFileName(Path file) throws IOException {
        GgufFile gguf = GgufFile.read(file);
        String quant = file.getFileName().toString().replaceFirst("^tiny-[a-z0-9]+-", "").replaceFirst("\\.gguf$", "")
                .replaceFirst("_[SML]$", "");
        assertEquals(GgmlType.valueOf(quant), gguf.tensor("blk.0.attn_q.weight").orElseThrow().type());
        assertEquals(GgmlType.F32, gguf.tensor("output_norm.weight").orElseThrow().type());
    }

    @ParameterizedTest
    @MethodSource("models")
    void tensorDataTilesTheDataSectionUpToTheEndOfTheFile(Path file) throws IOException {
        GgufFile gguf = GgufFile.read(file);
        long end = 0;
        for (GgufTensorInfo t : gguf.tensors()) {
            assertEquals(0, t.offset() % gguf.alignment(), t.name());
            assertEquals(t.type().byteSize(t.shape()), t.byteSize(), t.name());
            end = Math.max(end, t.offset() + t.byteSize());
        }
        assertEquals(0, gguf.dataOffset() % gguf.alignment());
        assertEquals(Files.size(file), gguf.dataOffset() + end);
        assertEquals(Files.size(file), gguf.fileSize());
    }

    @ParameterizedTest
    @MethodSource("vocabularies")
    void vocabularyOnlyFilesHaveTokensAndNoTensors(Path file) throws IOException {
        GgufFile gguf = GgufFile.read(file);
        assertTrue(gguf.tensors().isEmpty());
        GgufMetadata m = gguf.metadata();
        int expected = file.getFileName().toString().startsWith("llama3") ? 128256 : 32000;
        assertEquals(expected, m.requireStringArray("tokenizer.ggml.tokens").size());
        assertEquals(expected, m.requireIntArray("tokenizer.ggml.token_type").length);
        assertTrue(m.getLong("tokenizer.ggml.eos_token_id").isPresent());
    }
}
