package dev.sluice.engine;

import dev.sluice.model.ModelConfig;
import java.util.List;

/**
 * How a model is opened.
 *
 * @param backend        which backend runs it
 * @param threads        CPU threads; 0 = one per physical core
 * @param contextLength  default KV cache positions per session; 0 = the model's training context, capped
 *                       at {@link #DEFAULT_MAX_CONTEXT}
 * @param q8Activations  quantize activations to 8 bits inside quantized matmuls (faster, as llama.cpp
 *                       does) instead of computing in float (exact)
 * @param weightsFrom    the NVMe drive the weights are read from, or null to read them from the mapped file
 * @param layerTiers     where each layer lives (a tier plan's choice), or empty: every layer resident
 * @param streamPath     how layers of the storage tier are read
 * @param streamSlots    device slots in the ring streamed layers pass through; 0 = the native default (2)
 * @param cpuShares      per layer, the share of a pinned layer's rows the CPU computes while the GPU computes the
 *                       rest (a split layer; 0: none), or empty: no layer is split
 * @param splitThreads   CPU threads of the split shares; 0 = one per physical core
 */
public record ModelOptions(Backend backend, int threads, int contextLength, boolean q8Activations,
        NvmeWeights weightsFrom, List<LayerTier> layerTiers, StreamPath streamPath, int streamSlots,
        List<Double> cpuShares, int splitThreads) {
    /** The largest CPU share of a split layer: the GPU keeps some rows of every matrix. */
    public static final double MAX_CPU_SHARE = 0.95;

    /** Sessions default to at most this many positions, so a 128k-context model does not take GBs of KV cache. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    public ModelOptions {
        if (backend == null) {
            throw new IllegalArgumentException("backend must not be null");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = one per physical core), got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("context length must be >= 0, got " + contextLength);
        }
        layerTiers = List.copyOf(layerTiers);
        if (streamPath == null) {
            throw new IllegalArgumentException("streamPath must not be null");
        }
        if (streamSlots != 0 && streamSlots < 2) {
            throw new IllegalArgumentException("stream slots must be 0 (the default) or at least 2, got " + streamSlots);
        }
        if (streamPath == StreamPath.NVME && weightsFrom == null) {
            throw new IllegalArgumentException("stream path nvme needs the weights on an NVMe drive (weightsFrom)");
        }
        cpuShares = List.copyOf(cpuShares);
        if (!cpuShares.isEmpty() && cpuShares.size() != layerTiers.size()) {
            throw new IllegalArgumentException("CPU shares name " + cpuShares.size() + " layers, the tiers "
                    + layerTiers.size());
        }
        for (int layer = 0; layer < cpuShares.size(); layer++) {
            double share = cpuShares.get(layer);
            if (!(share >= 0 && share <= MAX_CPU_SHARE)) {
                throw new IllegalArgumentException("CPU share of layer " + layer + " is " + share + ", not in [0, "
                        + MAX_CPU_SHARE + "]");
            }
            if (share > 0 && layerTiers.get(layer) != LayerTier.PINNED) {
                throw new IllegalArgumentException("layer " + layer + " has a CPU share but is not in pinned RAM: only"
                        + " pinned layers are split");
            }
        }
        if (splitThreads < 0) {
            throw new IllegalArgumentException("split threads must be >= 0 (0 = one per physical core), got "
                    + splitThreads);
        }
    }

    /** Whether any layer streams (is not resident). */
    public boolean streams() {
        return layerTiers.stream().anyMatch(t -> t != LayerTier.RESIDENT);
    }

    /** Positions of a session made without a length: these options' context, or the model's (capped). */
    public int sessionContext(ModelConfig config) {
        return contextLength > 0 ? contextLength : Math.min(config.nCtxTrain(), DEFAULT_MAX_CONTEXT);
    }

    public static ModelOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builder with the defaults: AUTO backend, all physical cores, the model's context (capped), float activations,
     * weights from the file.
     */
    public static final class Builder {
        private Backend backend = Backend.AUTO;
        private int threads;
        private int contextLength;
        private boolean q8Activations;
        private NvmeWeights weightsFrom;
        private List<LayerTier> layerTiers = List.of();
        private StreamPath streamPath = StreamPath.AUTO;
        private int streamSlots;
        private List<Double> cpuShares = List.of();
        private int splitThreads;

        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder contextLength(int contextLength) {
            this.contextLength = contextLength;
            return this;
        }

        public Builder q8Activations(boolean q8Activations) {
            this.q8Activations = q8Activations;
            return this;
        }

        public Builder weightsFrom(NvmeWeights weightsFrom) {
            this.weightsFrom = weightsFrom;
            return this;
        }

        /** Where each layer lives, one entry per layer (a tier plan's {@code layerTiers()}); empty: all resident. */
        public Builder layerTiers(List<LayerTier> layerTiers) {
            this.layerTiers = layerTiers;
            return this;
        }

        public Builder streamPath(StreamPath streamPath) {
            this.streamPath = streamPath;
            return this;
        }

        public Builder streamSlots(int streamSlots) {
            this.streamSlots = streamSlots;
            return this;
        }

        /** Per layer, the share of a pinned layer's rows the CPU computes (a tier plan's {@code cpuShares()}). */
        public Builder cpuShares(List<Double> cpuShares) {
            this.cpuShares = cpuShares;
            return this;
        }

        public Builder splitThreads(int splitThreads) {
            this.splitThreads = splitThreads;
            return this;
        }

        public ModelOptions build() {
            return new ModelOptions(backend, threads, contextLength, q8Activations, weightsFrom, layerTiers, streamPath,
                    streamSlots, cpuShares, splitThreads);
        }
    }
}
