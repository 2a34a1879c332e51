package dev.sluice.plan;

import dev.sluice.model.ModelConfig;
import dev.sluice.model.TensorTable;
import java.util.Arrays;

/**
 * What each layer costs to hold and to run for one decode step: its weight bytes (all read once per token)
 * and its KV cache at the planned context. The whole-model tensors are held with the resident layers.
 *
 * @param headBytesPerToken bytes of the whole-model tensors read per token (output matrix, one embedding row)
 * @param kvBytesPerLayer   keys and values of one layer for the whole context
 */
public record LayerCosts(long[] layerBytes, long nonLayerBytes, long headBytesPerToken, long kvBytesPerLayer,
                         int contextLength) {
    /** The CUDA backend keeps its KV cache in F16, the CPU backend in F32. */
    public static final int KV_BYTES_CUDA = 2;
    public static final int KV_BYTES_CPU = 4;

    public LayerCosts {
        layerBytes = layerBytes.clone();
    }

    public static LayerCosts of(ModelConfig config, TensorTable table, int contextLength, int kvElementBytes) {
        long[] layers = new long[config.nLayer()];
        Arrays.setAll(layers, table::layerBytes);
        long head = table.bytesPerToken(config) - Arrays.stream(layers).sum();
        long kv = 2L * contextLength * config.nHeadKv() * config.headDim() * kvElementBytes;
        return new LayerCosts(layers, table.nonLayerBytes(), head, kv, contextLength);
    }

    @Override
    public long[] layerBytes() {
        return layerBytes.clone();
    }

    public int layers() {
        return layerBytes.length;
    }

    public long layerBytes(int layer) {
        return layerBytes[layer];
    }

    public long largestLayer() {
        return Arrays.stream(layerBytes).max().orElse(0);
    }

    public long kvBytes() {
        return kvBytesPerLayer * layerBytes.length;
    }
}
