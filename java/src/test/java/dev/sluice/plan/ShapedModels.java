package dev.sluice.plan;

import dev.sluice.gguf.GgufFile;
import dev.sluice.model.ModelConfig;
import dev.sluice.model.TensorTable;
import dev.sluice.synth.QuantMix;
import dev.sluice.synth.SynthShape;
import dev.sluice.synth.SyntheticModelWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/** Real model shapes as header-only (sparse) GGUF files: a 70B's tensor table without its 40 GB of data. */
public record ShapedModels(Path file, ModelConfig config, TensorTable table) {
    public static ShapedModels write(Path dir, String shape, String type) {
        Path file = dir.resolve(shape + "-" + type + ".gguf");
        try {
            new SyntheticModelWriter(SynthShape.preset(shape).orElseThrow(), QuantMix.parse(type), 1, Optional.empty(), 1)
                    .writeHeaderOnly(file);
            GgufFile gguf = GgufFile.read(file);
            ModelConfig config = ModelConfig.from(gguf);
            return new ShapedModels(file, config, TensorTable.of(config, gguf));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public TierPlan plan(HardwareProbe machine, PlanLimits limits) {
        return new TierPlanner(machine).plan(config, table, file, limits);
    }
}
