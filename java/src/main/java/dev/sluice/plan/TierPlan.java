package dev.sluice.plan;

import dev.sluice.engine.LayerTier;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Where every layer of a model lives, what that holds in VRAM and RAM, and the decode speed it predicts.
 *
 * @param deviceName    the GPU's name, or the CPU's on an all-CPU plan
 * @param tiers         the tier of each layer, in layer order
 * @param splitFraction the share of each {@link Tier#SPLIT} layer's rows the CPU computes; 0 without split layers
 * @param cpuThreads    threads of the CPU's work (the split share, or everything on the CPU backend)
 * @param vram          VRAM held; {@link VramReservation#NONE} on the CPU backend
 * @param ramBytes      RAM held: layers in RAM and pinned staging (on the CPU backend also the KV cache and
 *                      the whole-model tensors)
 * @param rates         the bandwidths the prediction used, by name ({@code host_to_device}, ...)
 * @param notes         facts behind the plan a reader should know (no GPU and why, assumed rates)
 */
public record TierPlan(boolean gpu, String deviceName, List<Tier> tiers, double splitFraction, int cpuThreads,
                       long vramBudget, VramReservation vram, long ramBudget, long ramBytes,
                       Map<String, Bandwidth> rates, Prediction prediction, List<String> notes, LayerCosts costs) {
    public TierPlan {
        tiers = List.copyOf(tiers);
        rates = Map.copyOf(rates);
        notes = List.copyOf(notes);
    }

    /** Runs of consecutive layers in the same tier. */
    public List<LayerRange> ranges() {
        List<LayerRange> ranges = new ArrayList<>();
        int first = 0;
        for (int layer = 1; layer <= tiers.size(); layer++) {
            if (layer == tiers.size() || tiers.get(layer) != tiers.get(first)) {
                ranges.add(new LayerRange(first, layer - 1, tiers.get(first), bytes(first, layer)));
                first = layer;
            }
        }
        return ranges;
    }

    /** Weight bytes of the layers in each tier that has any. */
    public Map<Tier, Long> bytesPerTier() {
        Map<Tier, Long> bytes = new EnumMap<>(Tier.class);
        for (int layer = 0; layer < tiers.size(); layer++) {
            bytes.merge(tiers.get(layer), costs.layerBytes(layer), Long::sum);
        }
        return bytes;
    }

    /**
     * The tier of each layer as the loader takes it ({@link dev.sluice.engine.ModelOptions#layerTiers}): split
     * layers live in pinned RAM. Empty for a CPU plan, whose layers are all read in place from the mapped file
     * (storage ones fault in as they are read).
     */
    public List<LayerTier> layerTiers() {
        if (!gpu) {
            return List.of();
        }
        return tiers.stream().map(t -> switch (t) {
            case RESIDENT -> LayerTier.RESIDENT;
            case RAM, SPLIT -> LayerTier.PINNED;
            case STORAGE -> LayerTier.STORAGE;
        }).toList();
    }

    /**
     * The CPU's share of each layer ({@link dev.sluice.engine.ModelOptions#cpuShares}): the split fraction for split
     * layers (at most {@link dev.sluice.engine.ModelOptions#MAX_CPU_SHARE}), 0 for the others; empty without split
     * layers.
     */
    public List<Double> cpuShares() {
        if (splitFraction == 0) {
            return List.of();
        }
        double share = Math.min(splitFraction, dev.sluice.engine.ModelOptions.MAX_CPU_SHARE);
        return tiers.stream().map(t -> t == Tier.SPLIT ? share : 0.0).toList();
    }

    public long layersIn(Tier tier) {
        return tiers.stream().filter(t -> t == tier).count();
    }

    private long bytes(int from, int to) {
        long sum = 0;
        for (int layer = from; layer < to; layer++) {
            sum += costs.layerBytes(layer);
        }
        return sum;
    }
}
