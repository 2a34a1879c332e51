package dev.sluice.cli;

import dev.sluice.SluiceException;
import dev.sluice.engine.Backend;
import dev.sluice.engine.LayerTier;
import dev.sluice.engine.Model;
import dev.sluice.engine.ModelOptions;
import dev.sluice.engine.NvmeWeights;
import dev.sluice.engine.StreamPath;
import dev.sluice.gguf.GgufFile;
import dev.sluice.model.ModelConfig;
import dev.sluice.model.TensorTable;
import dev.sluice.nativeapi.NativeNvme;
import dev.sluice.plan.HardwareProbe;
import dev.sluice.plan.PlanLimits;
import dev.sluice.plan.SystemProbe;
import dev.sluice.plan.TierPlan;
import dev.sluice.plan.TierPlanner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
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

    @Option(names = "--vram-budget", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "VRAM the tier plan may use, e.g. 24G; default: the GPU's free memory")
    Long vramBudget;

    @Option(names = "--ram-budget", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "RAM the tier plan may use, e.g. 48G; default: the available RAM less 10% (at least 2 GiB)")
    Long ramBudget;

    @Option(names = "--stream-path", paramLabel = "auto|mmap|pread|uring|nvme", defaultValue = "auto",
            converter = StreamPathConverter.class,
            description = "How layers planned on storage are read each pass (default: ${DEFAULT-VALUE}: io_uring, else"
                    + " pread with O_DIRECT)")
    StreamPath streamPath;

    @Option(names = "--stream-slots", paramLabel = "N", defaultValue = "0",
            description = "Device slots in the ring streamed layers pass through (at least 2); 0 = the default (2)")
    int streamSlots;

    @Option(names = "--no-split",
            description = "Stream layers in RAM whole instead of letting the CPU compute a share of their rows")
    boolean noSplit;

    @Option(names = "--weights-from", paramLabel = "nvme:BDF[@LBA]", converter = WeightsFromConverter.class,
            description = "Read the weights from this NVMe drive (bound to vfio-pci, written with `sluice nvme write`)"
                    + " through the userspace driver; the model file still supplies metadata and the tensor table")
    NvmeWeights weightsFrom;

    @Option(names = "--no-iommu", paramLabel = "PHYS:BYTES",
            description = "With --weights-from: UNSAFE vfio no-IOMMU mode, DMA into this physical window reserved"
                    + " with memmap= (as `sluice nvme verify --no-iommu`)")
    String noIommuWindow;

    /** The tier plan the last {@link #open} placed the model by, if one could be made. */
    private TierPlan openedPlan;

    ModelOptions options() {
        return options(List.of());
    }

    private ModelOptions options(List<LayerTier> layerTiers) {
        return options(layerTiers, List.of(), 0);
    }

    private ModelOptions options(List<LayerTier> layerTiers, List<Double> cpuShares, int splitThreads) {
        return ModelOptions.builder()
                .backend(backend)
                .threads(threads)
                .contextLength(contextLength)
                .q8Activations(q8Activations)
                .weightsFrom(drive())
                .layerTiers(layerTiers)
                .streamPath(streamPath)
                .streamSlots(streamSlots)
                .cpuShares(cpuShares)
                .splitThreads(splitThreads)
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

    /** The tier plan of these options for a model, from its header alone. */
    TierPlan plan(Path path, GgufFile gguf, ModelConfig config, HardwareProbe probe) {
        return plan(path, gguf, config, probe, optional(ramBudget));
    }

    private TierPlan plan(Path path, GgufFile gguf, ModelConfig config, HardwareProbe probe, OptionalLong ram) {
        PlanLimits limits = new PlanLimits(backend, options().sessionContext(config), threads, optional(vramBudget),
                ram, !noSplit);
        return new TierPlanner(probe).plan(config, TensorTable.of(config, gguf), path, limits);
    }

    /** The plan's one line on stderr, for commands that run the model; the plan the model was placed by. */
    Optional<TierPlan> printPlan() {
        PrintWriter err = command.commandLine().getErr();
        if (openedPlan != null) {
            err.println(PlanReport.summary(openedPlan));
        }
        return Optional.ofNullable(openedPlan);
    }

    private static OptionalLong optional(Long value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /**
     * Plans where each layer lives, then loads the model so. A plan that cannot be made is fatal when a budget was
     * given; otherwise it is said and the model loads all-resident. When tier B cannot be pinned, the plan is
     * made again with less RAM ({@link PinnedFallback}).
     */
    Model open() throws IOException {
        PrintWriter err = command.commandLine().getErr();
        Path path = DemoFallback.orDemo(model, err);
        openedPlan = null;
        ModelOptions plain = options();  // bad options are the user's error, not a plan that could not be made
        GgufFile gguf = GgufFile.read(path);
        ModelConfig config = ModelConfig.from(gguf);
        SystemProbe probe = new SystemProbe();
        try {
            openedPlan = plan(path, gguf, config, probe);
        } catch (SluiceException e) {
            if (vramBudget != null || ramBudget != null) {
                throw e;
            }
            err.println("plan: none (" + e.getMessage() + "); loading every layer resident");
        }
        if (openedPlan == null) {
            return load(path, plain, err);
        }
        return PinnedFallback.open(openedPlan, TierPlan::ramBytes,
                ram -> plan(path, gguf, config, probe, OptionalLong.of(ram)), plan -> {
                    openedPlan = plan;
                    return load(path, options(plan.layerTiers(), plan.cpuShares(), plan.cpuThreads()), err);
                }, err);
    }

    private static Model load(Path path, ModelOptions options, PrintWriter err) throws IOException {
        try (LoadBar bar = new LoadBar(err)) {
            return Model.open(path, options, bar);
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

    /** Accepts the stream path names in any case. */
    static final class StreamPathConverter implements picocli.CommandLine.ITypeConverter<StreamPath> {
        @Override
        public StreamPath convert(String value) {
            try {
                return StreamPath.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "unknown stream path '" + value + "' (expected auto, mmap, pread, uring or nvme)");
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
