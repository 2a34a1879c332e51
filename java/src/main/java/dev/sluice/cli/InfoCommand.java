package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gguf.GgmlType;
import dev.sluice.gguf.GgufFile;
import dev.sluice.model.ModelConfig;
import dev.sluice.model.ModelTensor;
import dev.sluice.model.TensorTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice info -m MODEL [--json]}: what a model file holds, validated, without loading it. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model's metadata, hyperparameters, tensor types and sizes.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF model file; without it, the demo model inside the jar")
    Path model;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Tensors and bytes of one tensor type. */
    record TypeUsage(int tensors, long bytes) {
        TypeUsage plus(long tensorBytes) {
            return new TypeUsage(tensors + 1, bytes + tensorBytes);
        }
    }

    @Override
    public Integer call() throws Exception {
        model = DemoFallback.orDemo(model, spec.commandLine().getErr()); // the text report names the file
        GgufFile file = GgufFile.read(model);
        ModelConfig config = ModelConfig.from(file);
        TensorTable table = TensorTable.of(config, file);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report(file, config, table)));
        } else {
            printText(out, file, config, table);
        }
        out.flush();
        return 0;
    }

    static Map<GgmlType, TypeUsage> quantMix(TensorTable table) {
        Map<GgmlType, TypeUsage> mix = new EnumMap<>(GgmlType.class);
        for (ModelTensor t : table.tensors()) {
            mix.merge(t.info().type(), new TypeUsage(1, t.info().byteSize()),
                    (a, b) -> a.plus(b.bytes()));
        }
        return mix;
    }

    private static List<Long> bytesPerLayer(ModelConfig config, TensorTable table) {
        List<Long> bytes = new ArrayList<>(config.nLayer());
        for (int layer = 0; layer < config.nLayer(); layer++) {
            bytes.add(table.layerBytes(layer));
        }
        return bytes;
    }

    private static Map<String, Object> report(GgufFile file, ModelConfig c, TensorTable table) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("architecture", c.architecture());
        r.put("name", c.name());
        r.put("gguf_version", file.version());
        r.put("n_vocab", c.nVocab());
        r.put("n_ctx_train", c.nCtxTrain());
        r.put("n_embd", c.nEmbd());
        r.put("n_layer", c.nLayer());
        r.put("n_head", c.nHead());
        r.put("n_head_kv", c.nHeadKv());
        r.put("n_ff", c.nFf());
        r.put("head_dim", c.headDim());
        r.put("n_rot", c.nRot());
        r.put("rope_freq_base", c.ropeFreqBase());
        r.put("rope_scaling", c.ropeScaling().name().toLowerCase(Locale.ROOT));
        r.put("rope_freq_scale", c.ropeFreqScale());
        r.put("rms_eps", c.rmsEps());
        r.put("tied_output", c.tiedOutput());
        r.put("bos_token_id", idOrNull(c.bosTokenId()));
        r.put("eos_token_id", idOrNull(c.eosTokenId()));
        r.put("tensor_count", table.tensors().size());
        Map<String, Object> mix = new LinkedHashMap<>();
        quantMix(table).forEach((type, usage) -> mix.put(type.name(), usage));
        r.put("quant_mix", mix);
        r.put("bytes_per_layer", bytesPerLayer(c, table));
        r.put("non_layer_bytes", table.nonLayerBytes());
        r.put("tensor_bytes", table.totalBytes());
        r.put("file_size", file.fileSize());
        return r;
    }

    private static Integer idOrNull(OptionalInt id) {
        return id.isPresent() ? id.getAsInt() : null;
    }

    private void printText(PrintWriter out, GgufFile file, ModelConfig c, TensorTable table) {
        String format = "%-14s %s%n";
        out.printf(format, "file", model + " (GGUF v" + file.version() + ", " + Sizes.human(file.fileSize()) + ")");
        out.printf(format, "architecture", c.architecture());
        out.printf(format, "name", c.name());
        out.printf(format, "vocabulary", c.nVocab() + " tokens (bos " + idText(c.bosTokenId()) + ", eos "
                + idText(c.eosTokenId()) + ")");
        out.printf(format, "context", c.nCtxTrain() + " (trained)");
        out.printf(format, "embedding", c.nEmbd());
        out.printf(format, "layers", c.nLayer());
        out.printf(format, "heads", c.nHead() + " (KV heads " + c.nHeadKv() + ", head dim " + c.headDim() + ")");
        out.printf(format, "feed-forward", c.nFf());
        out.printf(Locale.ROOT, "%-14s base %.0f, %d dims, scaling %s (freq scale %s)%n", "rope", c.ropeFreqBase(),
                c.nRot(), c.ropeScaling().name().toLowerCase(Locale.ROOT), c.ropeFreqScale());
        out.printf(format, "rms epsilon", c.rmsEps());
        out.printf(format, "output", c.tiedOutput() ? "tied to token_embd" : "output.weight");
        out.printf(format, "tensors", table.tensors().size());
        quantMix(table).forEach((type, usage) -> out.printf("  %-12s %4d tensors  %s%n", type, usage.tensors(),
                Sizes.human(usage.bytes())));
        List<Long> perLayer = bytesPerLayer(c, table);
        long min = perLayer.stream().mapToLong(Long::longValue).min().orElse(0);
        long max = perLayer.stream().mapToLong(Long::longValue).max().orElse(0);
        out.printf(format, "per layer", min == max ? Sizes.human(min) : Sizes.human(min) + " to " + Sizes.human(max));
        out.printf(format, "other tensors", Sizes.human(table.nonLayerBytes()));
        out.printf(format, "tensor data", Sizes.human(table.totalBytes()));
    }

    private static String idText(OptionalInt id) {
        return id.isPresent() ? Integer.toString(id.getAsInt()) : "none";
    }
}
