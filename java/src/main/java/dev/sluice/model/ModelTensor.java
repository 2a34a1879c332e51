package dev.sluice.model;

import dev.sluice.gguf.GgufTensorInfo;

/**
 * A tensor of the model with its role.
 *
 * @param layer the block index, or {@link #NO_LAYER} for whole-model tensors
 */
public record ModelTensor(TensorRole role, int layer, GgufTensorInfo info) {
    public static final int NO_LAYER = -1;
}
