package dev.sluice.testing;

import dev.sluice.gguf.GgmlType;
import dev.sluice.gguf.GgufValue;
import dev.sluice.gguf.GgufWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small Llama-shaped GGUF file for tests: metadata and tensor shapes are exposed as mutable maps so a
 * test can break exactly one thing before writing. Tensor data is a byte pattern (weights are not used).
 */
public record TinyLlama(int nVocab, int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, GgmlType weightType) {
    public static TinyLlama small() {
        return new TinyLlama(64, 64, 2, 4, 2, 128, GgmlType.F32);
    }

    /** Shapes that fit every block size (ne[0] a multiple of 256). */
    public static TinyLlama quantizable(GgmlType type) {
        return new TinyLlama(32, 256, 1, 4, 1, 256, type);
    }

    public int headDim() {
        return nEmbd / nHead;
    }

    public Map<String, GgufValue> metadata() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.ofString("llama"));
        m.put("general.name", GgufValue.ofString("tiny-test"));
        m.put("llama.context_length", GgufValue.ofUInt32(128));
        m.put("llama.embedding_length", GgufValue.ofUInt32(nEmbd));
        m.put("llama.block_count", GgufValue.ofUInt32(nLayer));
        m.put("llama.feed_forward_length", GgufValue.ofUInt32(nFf));
        m.put("llama.attention.head_count", GgufValue.ofUInt32(nHead));
        m.put("llama.attention.head_count_kv", GgufValue.ofUInt32(nHeadKv));
        m.put("llama.rope.freq_base", GgufValue.ofFloat32(10000f));
        m.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(1e-5f));
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < nVocab; i++) {
            tokens.add("tok" + i);
        }
        m.put("tokenizer.ggml.tokens", GgufValue.ofStringArray(tokens));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(1));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(2));
        return m;
    }

    /** Tensor name → shape (ggml order), every tensor of an untied Llama model without rope factors. */
    public Map<String, long[]> tensorShapes() {
        int kvDim = nHeadKv * headDim();
        Map<String, long[]> t = new LinkedHashMap<>();
        t.put("token_embd.weight", new long[] {nEmbd, nVocab});
        t.put("output_norm.weight", new long[] {nEmbd});
        t.put("output.weight", new long[] {nEmbd, nVocab});
        for (int l = 0; l < nLayer; l++) {
            String p = "blk." + l + ".";
            t.put(p + "attn_norm.weight", new long[] {nEmbd});
            t.put(p + "attn_q.weight", new long[] {nEmbd, nEmbd});
            t.put(p + "attn_k.weight", new long[] {nEmbd, kvDim});
            t.put(p + "attn_v.weight", new long[] {nEmbd, kvDim});
            t.put(p + "attn_output.weight", new long[] {nEmbd, nEmbd});
            t.put(p + "ffn_norm.weight", new long[] {nEmbd});
            t.put(p + "ffn_gate.weight", new long[] {nEmbd, nFf});
            t.put(p + "ffn_up.weight", new long[] {nEmbd, nFf});
            t.put(p + "ffn_down.weight", new long[] {nFf, nEmbd});
        }
        return t;
    }

    public Path write(Path file) throws IOException {
        return write(file, metadata(), tensorShapes());
    }

    /** Norms and rope factors are F32 (as llama.cpp writes them), the other tensors {@link #weightType}. */
    public Path write(Path file, Map<String, GgufValue> metadata, Map<String, long[]> shapes) throws IOException {
        GgufWriter writer = new GgufWriter();
        metadata.forEach(writer::put);
        shapes.forEach((name, shape) -> {
            GgmlType type = shape.length == 1 ? GgmlType.F32 : weightType;
            writer.addTensor(name, type, shape, out -> fill(out, type.byteSize(shape), name.hashCode()));
        });
        writer.write(file);
        return file;
    }

    /** Writes {@code bytes} bytes of a pattern that depends on the seed. */
    public static void fill(java.nio.channels.WritableByteChannel out, long bytes, int seed) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(4096);
        long left = bytes;
        long i = 0;
        while (left > 0) {
            chunk.clear();
            int n = (int) Math.min(left, chunk.capacity());
            for (int k = 0; k < n; k++) {
                chunk.put(patternByte(seed, i++));
            }
            chunk.flip();
            while (chunk.hasRemaining()) {
                out.write(chunk);
            }
            left -= n;
        }
    }

    public static byte patternByte(int seed, long index) {
        return (byte) (seed * 31 + index * 7 + (index >>> 8));
    }
}
