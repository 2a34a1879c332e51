package dev.sluice.cli;

import dev.sluice.convert.ExportConverter;
import dev.sluice.convert.ExportManifest;
import dev.sluice.synth.QuantMix;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice convert DIR -o FILE}: writes the GGUF of a model exported by
 * {@code scripts/train_demo_model.py} (how the demo model is built). Hidden: it reads only that export.
 */
@Command(name = "convert", hidden = true, mixinStandardHelpOptions = true,
        description = "Write a GGUF model from a training export (export.json + export.bin).")
final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The folder holding export.json and export.bin")
    Path export;

    @Option(names = "--type", defaultValue = "Q8_0", paramLabel = "T",
            description = "Weight type or mix, as synth takes it (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The GGUF file to write")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ExportManifest manifest = ExportManifest.read(export.resolve("export.json"));
        new ExportConverter(manifest, export.resolve("export.bin"), QuantMix.parse(type)).write(output);
        err.printf("wrote %s (%s, %s)%n", output, type, Sizes.human(Files.size(output)));
        return 0;
    }
}
