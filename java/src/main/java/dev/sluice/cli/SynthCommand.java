package dev.sluice.cli;

import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufMetadata;
import dev.sluice.synth.QuantMix;
import dev.sluice.synth.SynthShape;
import dev.sluice.synth.SyntheticModelWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice synth}: a random-weight model of a real shape, written straight in quantized form. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight Llama model of a real shape (for benchmarks), streaming to disk.")
final class SynthCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    ShapeArgs shape;

    @Option(names = "--type", required = true, paramLabel = "T",
            description = "F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M")
    String type;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The GGUF file to write")
    Path output;

    @Option(names = "--vocab-from", paramLabel = "GGUF",
            description = "Copy the tokenizer of this file (its vocabulary size must match the shape)")
    Path vocabFrom;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "Quantizing threads; 0 = all cores")
    int threads;

    static final class ShapeArgs {
        @Option(names = "--shape", paramLabel = "NAME", description = "A preset: llama-3.2-1b, llama-3.2-3b, "
                + "llama-3.1-8b, llama-3.1-70b, llama-2-7b")
        String preset;

        @ArgGroup(exclusive = false)
        CustomShape custom;
    }

    static final class CustomShape {
        @Option(names = "--layers", required = true) int layers;
        @Option(names = "--embd", required = true) int embd;
        @Option(names = "--ff", required = true) int ff;
        @Option(names = "--heads", required = true) int heads;
        @Option(names = "--kv-heads", required = true) int kvHeads;
        @Option(names = "--vocab", required = true) int vocab;
        @Option(names = "--ctx", defaultValue = "4096") int contextLength;

        SynthShape toShape() {
            return new SynthShape(layers, embd, ff, heads, kvHeads, vocab, contextLength, 10000f, false, false);
        }
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        SynthShape s = shape.preset != null
                ? SynthShape.preset(shape.preset).orElseThrow(() -> new IllegalArgumentException(
                        "unknown shape '" + shape.preset + "'; presets: " + SynthShape.presetNames()))
                : shape.custom.toShape();
        QuantMix mix = QuantMix.parse(type);
        Optional<GgufMetadata> vocab = vocabFrom == null ? Optional.empty()
                : Optional.of(GgufFile.read(vocabFrom).metadata());
        int cores = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        err.printf("writing %s: %,d parameters, %s%n", output, s.parameterCount(), mix.name());
        try (Progress progress = Progress.start("synth", s.parameterCount(), " M", 1_000_000, err)) {
            new SyntheticModelWriter(s, mix, seed, vocab, cores).write(output, progress::stepTo);
        }
        err.printf("done: %s (%s)%n", output, Sizes.human(Files.size(output)));
        return 0;
    }
}
