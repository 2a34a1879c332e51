package dev.sluice.cli;

import dev.sluice.SluiceException;
import dev.sluice.engine.Backend;
import dev.sluice.engine.Model;
import dev.sluice.engine.ModelOptions;
import dev.sluice.engine.NvmeWeights;
import dev.sluice.nativeapi.NativeNvme;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every command that runs a model shares (a picocli mixin). */
final class ModelArgs {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF model file; without it, the demo model inside the jar")
    Path model;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", defaultValue = "auto",
            converter = BackendConverter.class, description = "Backend to run on (default: ${DEFAULT-VALUE})")
    Backend backend;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", defaultValue = "0",
            description = "Context length (KV cache positions); 0 = the model's, at most 4096")
    int contextLength;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "0",
            description = "CPU threads; 0 = one per physical core")
    int threads;

    @Option(names = "--q8-activations",
            description = "Quantize activations to 8 bits in quantized matmuls (faster on the CPU, as llama.cpp does)")
    boolean q8Activations;

    @Option(names = "--weights-from", paramLabel = "nvme:BDF[@LBA]", converter = WeightsFromConverter.class,
            description = "Read the weights from this NVMe drive (bound to vfio-pci, written with `sluice nvme write`)"
                    + " through the userspace driver; the model file still supplies metadata and the tensor table")
    NvmeWeights weightsFrom;

    @Option(names = "--no-iommu", paramLabel = "PHYS:BYTES",
            description = "With --weights-from: UNSAFE vfio no-IOMMU mode, DMA into this physical window reserved"
                    + " with memmap= (as `sluice nvme verify --no-iommu`)")
    String noIommuWindow;

    ModelOptions options() {
        return ModelOptions.builder()
                .backend(backend)
                .threads(threads)
                .contextLength(contextLength)
                .q8Activations(q8Activations)
                .weightsFrom(drive())
                .build();
    }

    private NvmeWeights drive() {
        if (noIommuWindow == null) {
            return weightsFrom;
        }
        if (weightsFrom == null) {
            throw new SluiceException("--no-iommu applies to --weights-from nvme:..., which is not given");
        }
        return weightsFrom.withDma(NativeNvme.DmaMode.noIommuWindow(noIommuWindow));
    }

    Model open() throws IOException {
        PrintWriter err = command.commandLine().getErr();
        Path path = DemoFallback.orDemo(model, err);
        try (LoadBar bar = new LoadBar(err)) {
            return Model.open(path, options(), bar);
        }
    }

    /** Accepts the backend names in any case. */
    static final class BackendConverter implements picocli.CommandLine.ITypeConverter<Backend> {
        @Override
        public Backend convert(String value) {
            try {
                return Backend.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "unknown backend '" + value + "' (expected auto, cpu or cuda)");
            }
        }
    }

    /** Parses {@code nvme:BDF[@LBA]}; a bad spec is a usage error that says the expected form. */
    static final class WeightsFromConverter implements picocli.CommandLine.ITypeConverter<NvmeWeights> {
        @Override
        public NvmeWeights convert(String value) {
            try {
                return NvmeWeights.parse(value);
            } catch (dev.sluice.SluiceException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
