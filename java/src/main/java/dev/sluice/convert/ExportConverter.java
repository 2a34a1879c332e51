package dev.sluice.convert;

import dev.sluice.gguf.GgmlType;
import dev.sluice.gguf.GgufValue;
import dev.sluice.gguf.GgufWriter;
import dev.sluice.nativeapi.NativeQuantizer;
import dev.sluice.synth.QuantMix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a training export ({@link ExportManifest} + export.bin) into a GGUF {@code llama} model with
 * the project's own writer and quantizers: 2-D weights in the chosen mix, norms in F32. The model has
 * no output.weight, so token_embd is also the output matrix and gets the output's type, as
 * llama-quantize does for tied embeddings.
 */
public final class ExportConverter {
    private static final Pattern LAYER_TENSOR = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight");

    private final ExportManifest manifest;
    private final Path data;
    private final QuantMix mix;

    public ExportConverter(ExportManifest manifest, Path data, QuantMix mix) {
        this.manifest = manifest;
        this.data = data;
        this.mix = mix;
    }

    public void write(Path output) throws IOException {
        try (FileChannel in = FileChannel.open(data, StandardOpenOption.READ)) {
            FloatBuffer floats = in.map(FileChannel.MapMode.READ_ONLY, 0, in.size())
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            GgufWriter w = new GgufWriter();
            putMetadata(w);
            for (ExportManifest.Tensor t : manifest.tensors()) {
                float[] values = slice(floats, t);
                GgmlType type = typeOf(t);
                w.addTensor(t.name(), type, t.shape(), out -> write(out, type, values));
            }
            w.write(output);
        }
    }

    private void putMetadata(GgufWriter w) {
        ExportManifest.Hyperparameters h = manifest.hyperparameters();
        w.put("general.architecture", GgufValue.ofString("llama"));
        w.put("general.name", GgufValue.ofString(manifest.name()));
        w.put("general.description", GgufValue.ofString(manifest.description()));
        w.put("general.license", GgufValue.ofString("Apache-2.0"));
        w.put("sluice.training.corpus", GgufValue.ofString(manifest.corpus()));
        w.put("sluice.training.corpus_license", GgufValue.ofString(manifest.corpusLicense()));
        w.put("llama.vocab_size", GgufValue.ofUInt32(h.vocab()));
        w.put("llama.context_length", GgufValue.ofUInt32(h.contextLength()));
        w.put("llama.embedding_length", GgufValue.ofUInt32(h.embd()));
        w.put("llama.block_count", GgufValue.ofUInt32(h.layers()));
        w.put("llama.feed_forward_length", GgufValue.ofUInt32(h.ff()));
        w.put("llama.attention.head_count", GgufValue.ofUInt32(h.heads()));
        w.put("llama.attention.head_count_kv", GgufValue.ofUInt32(h.kvHeads()));
        w.put("llama.rope.dimension_count", GgufValue.ofUInt32(h.embd() / h.heads()));
        w.put("llama.rope.freq_base", GgufValue.ofFloat32(h.ropeFreqBase()));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(h.rmsEps()));
        ExportManifest.Vocab v = manifest.tokenizer();
        w.put("tokenizer.ggml.model", GgufValue.ofString(v.model()));
        w.put("tokenizer.ggml.tokens", GgufValue.ofStringArray(v.tokens()));
        w.put("tokenizer.ggml.scores", GgufValue.ofFloat32Array(v.scores()));
        w.put("tokenizer.ggml.token_type", GgufValue.ofInt32Array(v.tokenTypes()));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(v.bosId()));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(v.eosId()));
        w.put("tokenizer.ggml.unknown_token_id", GgufValue.ofUInt32(v.unknownId()));
        w.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(v.addBos()));
        w.put("tokenizer.ggml.add_space_prefix", GgufValue.ofBool(v.addSpacePrefix()));
        w.put("tokenizer.chat_template", GgufValue.ofString(v.chatTemplate()));
    }

    private GgmlType typeOf(ExportManifest.Tensor t) {
        if (t.shape().length == 1) {
            return GgmlType.F32;
        }
        int layers = manifest.hyperparameters().layers();
        if (t.name().equals("token_embd.weight")) {
            return mix.weightType("output", -1, layers);
        }
        Matcher m = LAYER_TENSOR.matcher(t.name());
        if (!m.matches()) {
            throw new IllegalArgumentException("unexpected tensor '" + t.name() + "' in the export");
        }
        return mix.weightType(m.group(2), Integer.parseInt(m.group(1)), layers);
    }

    private static float[] slice(FloatBuffer floats, ExportManifest.Tensor t) {
        if (t.offset() % Float.BYTES != 0) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' is not float-aligned in export.bin");
        }
        int first = Math.toIntExact(t.offset() / Float.BYTES);
        int n = Math.toIntExact(t.elements());
        if (first + (long) n > floats.capacity()) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' " + Arrays.toString(t.shape())
                    + " runs past the end of export.bin");
        }
        float[] values = new float[n];
        floats.get(first, values);
        return values;
    }

    private static void write(WritableByteChannel out, GgmlType type, float[] values) throws IOException {
        ByteBuffer bytes = NativeQuantizer.quantize(type.id(), values, values.length);
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }
}
