package dev.sluice.plan;

import dev.sluice.SluiceException;
import dev.sluice.engine.Backend;
import dev.sluice.gguf.GgmlType;
import dev.sluice.model.ModelConfig;
import dev.sluice.model.ModelTensor;
import dev.sluice.model.TensorTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Decides where each layer lives. On a GPU: the whole-model tensors, the KV cache, a workspace and (when
 * anything streams) a ring of device slots are reserved in VRAM; the first layers that fit the rest of the
 * VRAM budget are resident (A), the next ones that fit the RAM budget stay in pinned RAM (B), the last ones
 * are read from storage each token (C). When CPU cores are free, the RAM layers are split: the CPU computes a
 * fraction of their rows from RAM while the GPU computes the rest, the fraction chosen to balance the two at the
 * rate the CPU's kernels measurably stream those layers' weight types.
 * Without a GPU the CPU backend maps the layers that fit the RAM budget (A) and faults the rest in from storage.
 */
public final class TierPlanner {
    /** Activations, the prefill GEMM's dequantized chunks (64 MiB each), attention and top-k scratch. */
    static final long WORKSPACE_BYTES = 512L << 20;
    /** Device slots (and pinned slots for tier C) of the streaming ring: one computing, one filling. */
    static final int STAGING_SLOTS = 2;
    /**
     * Cores left to the thread that feeds the GPU (the streamer's copies and reads): a CPU pool on every core
     * collapses when one more thread runs. The pool's caller is the decode thread itself. On the lent H200 host
     * the 70B split decoded at 5.23 tok/s with 15 of 16 cores in the pool, 4.72 with 14 (docs/PERF.md).
     */
    static final int FEEDER_CORES = 1;
    /** RAM left to the JVM, the OS and other processes when no RAM budget is given: 10%, at least 2 GiB. */
    static final double RAM_MARGIN = 0.10;
    static final long MIN_RAM_MARGIN = 2L << 30;
    /** Per streamed layer and token: the copy's event and the kernel launches that wait on it. */
    static final double STREAMED_LAYER_SECONDS = 10e-6;
    /** Per split layer and token: activations to the host and the CPU's rows back, and the waits on both. */
    static final double SPLIT_LAYER_SECONDS = 40e-6;
    /** Below this share the CPU's part is not worth its synchronisation. */
    static final double MIN_SPLIT_FRACTION = 0.02;

    private final HardwareProbe probe;

    public TierPlanner(HardwareProbe probe) {
        this.probe = probe;
    }

    /** @throws SluiceException when the budgets cannot hold what must be reserved, or CUDA is asked for and absent */
    public TierPlan plan(ModelConfig config, TensorTable table, Path modelFile, PlanLimits limits) {
        Optional<Gpu> gpu = limits.backend() == Backend.CPU ? Optional.empty() : probe.gpu();
        if (gpu.isEmpty() && limits.backend() == Backend.CUDA) {
            throw new SluiceException("--backend cuda: no usable GPU (" + probe.noGpuReason() + ")");
        }
        int kvBytes = gpu.isPresent() ? LayerCosts.KV_BYTES_CUDA : LayerCosts.KV_BYTES_CPU;
        LayerCosts costs = LayerCosts.of(config, table, limits.contextLength(), kvBytes);
        return gpu.isPresent()
                ? new GpuPlan(gpu.get(), costs, table, modelFile, limits).build()
                : cpuPlan(costs, modelFile, limits);
    }

    private long ramBudget(PlanLimits limits) {
        long usable = probe.usableRam();
        return limits.ramBudget().orElse(usable - Math.max(MIN_RAM_MARGIN, (long) (usable * RAM_MARGIN)));
    }

    private TierPlan cpuPlan(LayerCosts c, Path file, PlanLimits limits) {
        int threads = limits.threads() > 0 ? limits.threads() : probe.cpuCores();
        long ramBudget = ramBudget(limits);
        long fixed = c.nonLayerBytes() + c.kvBytes();
        require(fixed <= ramBudget, "the RAM budget of " + gib(ramBudget) + " cannot hold the whole-model tensors and the "
                + "KV cache (" + gib(fixed) + ")");
        Tier[] tiers = new Tier[c.layers()];
        int resident = fill(tiers, 0, c, ramBudget - fixed, Tier.RESIDENT);
        fill(tiers, resident, c, Long.MAX_VALUE, Tier.STORAGE);
        long inRam = sum(c, 0, resident);
        long fromStorage = sum(c, resident, c.layers());
        Map<String, Bandwidth> rates = new LinkedHashMap<>();
        Bandwidth ram = rate(rates, "ram_read", probe.ramRead(threads));
        Map<Bottleneck, Double> seconds = new EnumMap<>(Bottleneck.class);
        seconds.put(Bottleneck.CPU, ram.seconds(inRam + c.headBytesPerToken()));
        if (fromStorage > 0) {
            seconds.put(Bottleneck.STORAGE, rate(rates, "storage_read", probe.storageRead(file)).seconds(fromStorage));
        }
        List<String> notes = new ArrayList<>();
        notes.add("no GPU: " + probe.noGpuReason());
        assumed(rates, notes);
        return new TierPlan(false, "cpu", Arrays.asList(tiers), 0, threads, 0, VramReservation.NONE, ramBudget,
                fixed + inRam, rates, Prediction.sequential(seconds), notes, c);
    }

    /** One GPU plan in the making: the budgets, the tiers, and the rates probed for them. */
    private final class GpuPlan {
        private final Gpu gpu;
        private final LayerCosts c;
        private final TensorTable table;
        private final Path file;
        private final PlanLimits limits;
        private final Map<String, Bandwidth> rates = new LinkedHashMap<>();
        private final List<String> notes = new ArrayList<>();

        GpuPlan(Gpu gpu, LayerCosts c, TensorTable table, Path file, PlanLimits limits) {
            this.gpu = gpu;
            this.c = c;
            this.table = table;
            this.file = file;
            this.limits = limits;
        }

        TierPlan build() {
            long vramBudget = Math.min(limits.vramBudget().orElse(gpu.freeVram()), gpu.freeVram());
            long fixed = c.nonLayerBytes() + c.kvBytes() + WORKSPACE_BYTES;
            boolean allFit = fixed + sum(c, 0, c.layers()) <= vramBudget;
            long staging = allFit ? 0 : STAGING_SLOTS * c.largestLayer();
            require(fixed + staging <= vramBudget, "the VRAM budget of " + gib(vramBudget) + " cannot hold the "
                    + "whole-model tensors, KV cache, workspace and staging ring (" + gib(fixed + staging) + ")");
            Tier[] tiers = new Tier[c.layers()];
            int resident = fill(tiers, 0, c, vramBudget - fixed - staging, Tier.RESIDENT);
            long ramBudget = ramBudget(limits);
            long streamed = sum(c, resident, c.layers());
            long hostStaging = streamed <= ramBudget ? 0 : STAGING_SLOTS * c.largestLayer();
            require(hostStaging <= ramBudget, "the RAM budget of " + gib(ramBudget) + " cannot hold the pinned "
                    + "staging ring (" + gib(hostStaging) + ") that storage reads need");
            int inRam = fill(tiers, resident, c, ramBudget - hostStaging, Tier.RAM);
            fill(tiers, inRam, c, Long.MAX_VALUE, Tier.STORAGE);

            long residentBytes = sum(c, 0, resident);
            long ramBytes = sum(c, resident, inRam);
            long storageBytes = sum(c, inRam, c.layers());
            int threads = limits.threads() > 0 ? limits.threads() : probe.cpuCores() - FEEDER_CORES;
            Split split = split(residentBytes + c.headBytesPerToken(), ramBytes, storageBytes, threads,
                    c.layers() - resident, resident, inRam);
            if (split.fraction() > 0) {
                Arrays.fill(tiers, resident, inRam, Tier.SPLIT);
            }
            assumed(rates, notes);
            VramReservation vram = new VramReservation(c.nonLayerBytes() + residentBytes, c.kvBytes(), WORKSPACE_BYTES,
                    staging);
            return new TierPlan(true, gpu.name(), Arrays.asList(tiers), split.fraction(),
                    split.fraction() > 0 ? threads : 0, vramBudget, vram, ramBudget, ramBytes + hostStaging, rates,
                    split.prediction(), notes, c);
        }

        private record Split(double fraction, Prediction prediction) {}

        /**
         * Each resource's time per token as a function of the CPU's share f of the RAM layers' bytes S:
         * cpu f·S/cpu_bw rises with f; pcie (C + (1−f)·S)/pcie_bw and gpu (R + C + (1−f)·S)/dev_bw fall. The
         * best f is where the CPU meets the slower of the two falling ones.
         */
        private Split split(long resident, long inRam, long fromStorage, int threads, int streamedLayers,
                            int firstRamLayer, int endRamLayer) {
            int ramLayers = endRamLayer - firstRamLayer;
            boolean streams = inRam + fromStorage > 0;
            Bandwidth device = rate(rates, "device_memory", probe.deviceMemory());
            Bandwidth pcie = streams ? rate(rates, "host_to_device", probe.hostToDevice()) : null;
            Bandwidth storage = fromStorage > 0 ? rate(rates, "storage_read", probe.storageRead(file)) : null;
            Bandwidth cpu = inRam > 0 && threads > 0 && limits.split()
                    ? rate(rates, "cpu_matmul", cpuMatmul(threads, firstRamLayer, endRamLayer)) : null;
            double f = 0;
            if (cpu != null) {
                f = Math.max(balance(inRam, cpu, fromStorage, pcie), balance(inRam, cpu, resident + fromStorage, device));
                f = f < MIN_SPLIT_FRACTION ? 0 : Math.min(1, f);
            }
            double gpuBytes = resident + fromStorage + (1 - f) * inRam;
            Map<Bottleneck, Double> seconds = new EnumMap<>(Bottleneck.class);
            seconds.put(Bottleneck.GPU, device.seconds(gpuBytes));
            if (streams) {
                seconds.put(Bottleneck.PCIE, pcie.seconds(fromStorage + (1 - f) * inRam));
            }
            if (storage != null) {
                seconds.put(Bottleneck.STORAGE, storage.seconds(fromStorage));
            }
            if (f > 0) {
                seconds.put(Bottleneck.CPU, cpu.seconds(f * inRam));
            }
            double overhead = STREAMED_LAYER_SECONDS * streamedLayers + (f > 0 ? SPLIT_LAYER_SECONDS * ramLayers : 0);
            return new Split(f, Prediction.overlapped(seconds, overhead));
        }

        /**
         * The CPU kernels' rate over the matrices of layers [from, to): each type's bytes at its measured rate
         * (every matrix is split by the same fraction, so the mix is that of the whole layers).
         */
        private Bandwidth cpuMatmul(int threads, int from, int to) {
            Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
            for (ModelTensor t : table.tensors()) {
                if (t.layer() >= from && t.layer() < to && t.info().shape().length == 2) {
                    bytes.merge(t.info().type(), t.info().byteSize(), Long::sum);
                }
            }
            double seconds = 0;
            long total = 0;
            boolean assumed = false;
            for (Map.Entry<GgmlType, Long> e : bytes.entrySet()) {
                Bandwidth rate = probe.cpuMatmul(e.getKey(), threads);
                seconds += rate.seconds(e.getValue());
                total += e.getValue();
                assumed |= rate.assumed();
            }
            return total > 0 ? new Bandwidth(total / seconds, assumed) : probe.ramRead(threads);
        }
    }

    /** The f where f·S/cpu = (fixed + (1−f)·S)/other. */
    private static double balance(long shared, Bandwidth cpu, long fixed, Bandwidth other) {
        double c = cpu.bytesPerSecond();
        double w = other.bytesPerSecond();
        return c * (fixed + (double) shared) / (shared * (c + w));
    }

    /** Puts layers from {@code first} on in {@code tier} while they fit {@code room}; returns the next layer. */
    private static int fill(Tier[] tiers, int first, LayerCosts c, long room, Tier tier) {
        int layer = first;
        for (long used = 0; layer < c.layers() && used + c.layerBytes(layer) <= room; layer++) {
            used += c.layerBytes(layer);
            tiers[layer] = tier;
        }
        return layer;
    }

    private static long sum(LayerCosts c, int from, int to) {
        long bytes = 0;
        for (int layer = from; layer < to; layer++) {
            bytes += c.layerBytes(layer);
        }
        return bytes;
    }

    private static Bandwidth rate(Map<String, Bandwidth> rates, String name, Bandwidth rate) {
        rates.put(name, rate);
        return rate;
    }

    private static void assumed(Map<String, Bandwidth> rates, List<String> notes) {
        rates.forEach((name, rate) -> {
            if (rate.assumed()) {
                notes.add(String.format(Locale.ROOT, "%s %.1f GB/s is assumed, not measured", name,
                        rate.gbPerSecond()));
            }
        });
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new SluiceException(message);
        }
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
