package dev.sluice.synth;

import dev.sluice.gguf.GgmlType;
import dev.sluice.gguf.GgufMetadata;
import dev.sluice.gguf.GgufValue;
import dev.sluice.gguf.GgufWriter;
import dev.sluice.nativeapi.NativeQuantizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Writes a random-weight Llama model of a given shape straight in its quantized form, streaming: each
 * tensor is produced in chunks of rows that are generated, quantized on all cores and written in
 * order, so a 40 GB 70B file needs a few hundred MB of memory. Weights are uniform with the standard
 * deviation 0.5/sqrt(fan_in), which keeps activations of any depth finite; norms are 1.
 * The same seed gives the same file whatever the number of threads.
 */
public final class SyntheticModelWriter {
    private static final int CHUNK_ELEMENTS = 1 << 20;

    private final SynthShape shape;
    private final QuantMix mix;
    private final long seed;
    private final Optional<GgufMetadata> vocabulary;
    private final int threads;

    /**
     * @param vocabulary metadata whose {@code tokenizer.*} keys are copied (a real vocabulary of
     *                   {@code shape.vocab()} tokens); empty writes a model with no tokenizer
     */
    public SyntheticModelWriter(SynthShape shape, QuantMix mix, long seed, Optional<GgufMetadata> vocabulary,
                                int threads) {
        this.shape = shape;
        this.mix = mix;
        this.seed = seed;
        this.vocabulary = vocabulary;
        this.threads = Math.max(1, threads);
    }

    /** Writes the file; {@code progress} receives the number of weight elements written so far. */
    public void write(Path path, LongConsumer progress) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            write(path, new TensorPlan(pool, progress, false));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Writes the same header with every tensor's data left as a hole: a sparse file that reads like the
     * real one up to its tensor table (for planning a 40 GB model in a test without writing 40 GB).
     */
    public void writeHeaderOnly(Path path) throws IOException {
        write(path, new TensorPlan(null, n -> {}, true));
    }

    private void write(Path path, TensorPlan tensors) throws IOException {
        GgufWriter writer = new GgufWriter();
        putMetadata(writer);
        tensors.addAll(writer);
        writer.write(path);
    }

    private void putMetadata(GgufWriter w) {
        w.put("general.architecture", GgufValue.ofString("llama"));
        w.put("general.name", GgufValue.ofString("sluice synth " + mix.name()));
        w.put("llama.vocab_size", GgufValue.ofUInt32(shape.vocab()));
        w.put("llama.context_length", GgufValue.ofUInt32(shape.contextLength()));
        w.put("llama.embedding_length", GgufValue.ofUInt32(shape.embd()));
        w.put("llama.block_count", GgufValue.ofUInt32(shape.layers()));
        w.put("llama.feed_forward_length", GgufValue.ofUInt32(shape.ff()));
        w.put("llama.attention.head_count", GgufValue.ofUInt32(shape.heads()));
        w.put("llama.attention.head_count_kv", GgufValue.ofUInt32(shape.kvHeads()));
        w.put("llama.rope.dimension_count", GgufValue.ofUInt32(shape.headDim()));
        w.put("llama.rope.freq_base", GgufValue.ofFloat32(shape.ropeFreqBase()));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(1e-5f));
        if (vocabulary.isPresent()) {
            GgufMetadata vocab = vocabulary.get();
            int tokens = vocab.getStringArray("tokenizer.ggml.tokens").map(java.util.List::size).orElse(0);
            if (tokens != shape.vocab()) {
                throw new IllegalArgumentException("the vocabulary has " + tokens + " tokens but the shape needs "
                        + shape.vocab());
            }
            for (String key : vocab.keys()) {
                if (key.startsWith("tokenizer.")) {
                    w.put(key, vocab.get(key));
                }
            }
        } else {
            w.put("tokenizer.ggml.model", GgufValue.ofString("none"));
        }
    }

    /** The tensors in llama.cpp's order, each with the chunked generator that produces its data. */
    private final class TensorPlan {
        private final ExecutorService pool;
        private final LongConsumer progress;
        private final boolean holes;
        private long written;
        private int tensorIndex;

        TensorPlan(ExecutorService pool, LongConsumer progress, boolean holes) {
            this.pool = pool;
            this.progress = progress;
            this.holes = holes;
        }

        void addAll(GgufWriter w) {
            int embd = shape.embd();
            int kvWidth = shape.kvHeads() * shape.headDim();
            weight(w, "token_embd.weight", mix.weightType("token_embd", -1, shape.layers()), embd, shape.vocab());
            if (shape.llama3RopeScaling()) {
                float[] factors = Llama3RopeFactors.compute(shape.headDim(), shape.ropeFreqBase());
                add(w, "rope_freqs.weight", GgmlType.F32, new long[] {factors.length}, out -> writeF32(out, factors));
            }
            for (int l = 0; l < shape.layers(); l++) {
                String p = "blk." + l + ".";
                norm(w, p + "attn_norm.weight");
                weight(w, p + "attn_q.weight", type("attn_q", l), embd, embd);
                weight(w, p + "attn_k.weight", type("attn_k", l), embd, kvWidth);
                weight(w, p + "attn_v.weight", type("attn_v", l), embd, kvWidth);
                weight(w, p + "attn_output.weight", type("attn_output", l), embd, embd);
                norm(w, p + "ffn_norm.weight");
                weight(w, p + "ffn_gate.weight", type("ffn_gate", l), embd, shape.ff());
                weight(w, p + "ffn_up.weight", type("ffn_up", l), embd, shape.ff());
                weight(w, p + "ffn_down.weight", type("ffn_down", l), shape.ff(), embd);
            }
            norm(w, "output_norm.weight");
            if (!shape.tiedOutput()) {
                weight(w, "output.weight", mix.weightType("output", -1, shape.layers()), embd, shape.vocab());
            }
        }

        private GgmlType type(String role, int layer) {
            return mix.weightType(role, layer, shape.layers());
        }

        private void norm(GgufWriter w, String name) {
            float[] ones = new float[shape.embd()];
            java.util.Arrays.fill(ones, 1f);
            add(w, name, GgmlType.F32, new long[] {ones.length}, out -> writeF32(out, ones));
        }

        private void weight(GgufWriter w, String name, GgmlType type, int cols, int rows) {
            long stream = seed * 1_000_003L + tensorIndex++;
            add(w, name, type, new long[] {cols, rows}, out -> writeRandom(out, type, cols, rows, stream));
        }

        private void add(GgufWriter w, String name, GgmlType type, long[] shape, GgufWriter.TensorSource data) {
            w.addTensor(name, type, shape, holes ? out -> skip(out, type.byteSize(shape)) : data);
        }

        /** A hole of {@code bytes} ending in one written byte, so the file has its full size. */
        private static void skip(WritableByteChannel out, long bytes) throws IOException {
            SeekableByteChannel file = (SeekableByteChannel) out;
            file.position(file.position() + bytes - 1);
            file.write(ByteBuffer.allocate(1));
        }

        /** Generates and quantizes chunks of whole rows on the pool, writing them in order. */
        private void writeRandom(WritableByteChannel out, GgmlType type, int cols, int rows, long stream)
                throws IOException {
            int rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / cols);
            float std = (float) (0.5 / Math.sqrt(cols));
            Deque<Future<ByteBuffer>> window = new ArrayDeque<>();
            for (int first = 0; first < rows || !window.isEmpty(); ) {
                while (first < rows && window.size() < 2 * threads) {
                    int n = Math.min(rowsPerChunk, rows - first) * cols;
                    long chunkSeed = stream * 65_537L + first;
                    window.add(pool.submit(() -> randomChunk(type, n, std, chunkSeed)));
                    first += rowsPerChunk;
                }
                ByteBuffer chunk = await(window.poll());
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
            written += (long) cols * rows;
            progress.accept(written);
        }

        private static ByteBuffer randomChunk(GgmlType type, int n, float std, long chunkSeed) {
            SplittableRandom random = new SplittableRandom(chunkSeed);
            float halfWidth = std * (float) Math.sqrt(3); // uniform(-a, a) has std a/sqrt(3)
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = (float) random.nextDouble(-halfWidth, halfWidth);
            }
            return NativeQuantizer.quantize(type.id(), values, n);
        }

        private static ByteBuffer await(Future<ByteBuffer> f) throws IOException {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while writing the model", e);
            } catch (ExecutionException e) {
                throw new IOException("quantizing a chunk failed: " + e.getCause().getMessage(), e.getCause());
            }
        }

        private static void writeF32(WritableByteChannel out, float[] values) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            while (b.hasRemaining()) {
                out.write(b);
            }
        }
    }
}
