package dev.sluice.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Backend;
import dev.sluice.engine.Model;
import dev.sluice.engine.ModelOptions;
import dev.sluice.engine.Session;
import dev.sluice.gguf.GgmlType;
import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufTensorInfo;
import dev.sluice.synth.QuantMix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training export as scripts/train_demo_model.py writes it becomes a GGUF model that Sluice runs. */
class ExportConverterTest {
    private static final int VOCAB = 300, EMBD = 64, FF = 128, HEADS = 2, KV_HEADS = 1;

    @TempDir
    Path dir;

    @Test
    void f32KeepsEveryValueAndTheMetadata() throws IOException {
        Map<String, float[]> tensors = writeExport();
        Path gguf = convert("F32");
        GgufFile file = GgufFile.read(gguf);
        assertEquals("llama", file.metadata().requireString("general.architecture"));
        assertEquals("test export", file.metadata().requireString("general.name"));
        assertEquals("public domain", file.metadata().requireString("sluice.training.corpus_license"));
        assertEquals(VOCAB, file.metadata().requireStringArray("tokenizer.ggml.tokens").size());
        assertFalse(file.tensor("output.weight").isPresent(), "tied embeddings");
        for (Map.Entry<String, float[]> t : tensors.entrySet()) {
            assertArrayEquals(t.getValue(), floats(gguf, file, file.tensor(t.getKey()).orElseThrow()), t.getKey());
        }
    }

    @Test
    void q8ModelLoadsAndDecodes() throws IOException {
        writeExport();
        Path gguf = convert("Q8_0");
        GgufFile file = GgufFile.read(gguf);
        assertEquals(GgmlType.Q8_0, file.tensor("blk.0.ffn_down.weight").orElseThrow().type());
        assertEquals(GgmlType.F32, file.tensor("blk.0.attn_norm.weight").orElseThrow().type());
        try (Model model = Model.open(gguf, ModelOptions.builder().backend(Backend.CPU).threads(1).build());
             Session session = model.newSession(16)) {
            float[] logits = session.decode(model.tokenizer().encode("ab"));
            assertEquals(VOCAB, logits.length);
            for (float v : logits) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    private Path convert(String type) throws IOException {
        Path out = dir.resolve(type + ".gguf");
        new ExportConverter(ExportManifest.read(dir.resolve("export.json")), dir.resolve("export.bin"),
                QuantMix.parse(type)).write(out);
        return out;
    }

    /** A 1-layer export: random weights, and a vocabulary of the special tokens, 256 byte tokens and a few pieces. */
    private Map<String, float[]> writeExport() throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("token_embd.weight", new long[] {EMBD, VOCAB});
        String p = "blk.0.";
        shapes.put(p + "attn_norm.weight", new long[] {EMBD});
        shapes.put(p + "attn_q.weight", new long[] {EMBD, EMBD});
        shapes.put(p + "attn_k.weight", new long[] {EMBD, EMBD / HEADS * KV_HEADS});
        shapes.put(p + "attn_v.weight", new long[] {EMBD, EMBD / HEADS * KV_HEADS});
        shapes.put(p + "attn_output.weight", new long[] {EMBD, EMBD});
        shapes.put(p + "ffn_norm.weight", new long[] {EMBD});
        shapes.put(p + "ffn_gate.weight", new long[] {EMBD, FF});
        shapes.put(p + "ffn_up.weight", new long[] {EMBD, FF});
        shapes.put(p + "ffn_down.weight", new long[] {FF, EMBD});
        shapes.put("output_norm.weight", new long[] {EMBD});

        ObjectMapper json = new ObjectMapper();
        ObjectNode m = json.createObjectNode().put("format", "sluice-export-1").put("name", "test export")
                .put("description", "a test").put("corpus", "none").put("corpus_license", "public domain");
        m.putObject("hyperparameters").put("vocab", VOCAB).put("embd", EMBD).put("layers", 1).put("heads", HEADS)
                .put("kv_heads", KV_HEADS).put("ff", FF).put("context_length", 64).put("rope_freq_base", 10000.0)
                .put("rms_eps", 1e-5);
        ObjectNode vocab = m.putObject("tokenizer").put("model", "llama").put("bos_id", 1).put("eos_id", 2)
                .put("unknown_id", 0).put("add_bos", true).put("add_space_prefix", true).put("chat_template", "");
        ArrayNode tokens = vocab.putArray("tokens"), scores = vocab.putArray("scores"), types = vocab.putArray("token_types");
        for (int id = 0; id < VOCAB; id++) {
            String token = id == 0 ? "<unk>" : id == 1 ? "<s>" : id == 2 ? "</s>"
                    : id < 259 ? String.format("<0x%02X>", id - 3) : "\u2581" + (char) ('a' + (id - 259) % 26) + (id - 259) / 26;
            tokens.add(token);
            scores.add(-id);
            types.add(id == 0 ? 2 : id < 3 ? 3 : id < 259 ? 6 : 1);
        }
        ArrayNode table = m.putArray("tensors");
        Map<String, float[]> values = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(5);
        long offset = 0;
        ByteBuffer bin = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, long[]> t : shapes.entrySet()) {
            long[] shape = t.getValue();
            float[] data = new float[(int) (shape.length == 1 ? shape[0] : shape[0] * shape[1])];
            for (int i = 0; i < data.length; i++) {
                data[i] = shape.length == 1 ? 1f : (float) random.nextDouble(-0.1, 0.1);
                bin.putFloat(data[i]);
            }
            ObjectNode entry = table.addObject().put("name", t.getKey()).put("offset", offset);
            for (long d : shape) {
                entry.withArray("shape").add(d);
            }
            values.put(t.getKey(), data);
            offset += 4L * data.length;
        }
        json.writeValue(dir.resolve("export.json").toFile(), m);
        Files.write(dir.resolve("export.bin"), java.util.Arrays.copyOf(bin.array(), bin.position()));
        return values;
    }

    private static float[] floats(Path gguf, GgufFile file, GgufTensorInfo t) throws IOException {
        try (FileChannel in = FileChannel.open(gguf)) {
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
            in.read(b, file.absoluteOffset(t));
            float[] out = new float[Math.toIntExact(t.elementCount())];
            b.flip().asFloatBuffer().get(out);
            return out;
        }
    }
}
