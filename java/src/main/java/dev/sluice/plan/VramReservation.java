package dev.sluice.plan;

/**
 * The VRAM a plan holds: weights (resident layers and the whole-model tensors), the KV cache, the fixed
 * workspace (activations, prefill scratch) and the ring of device slots that streamed layers pass through.
 */
public record VramReservation(long weights, long kvCache, long workspace, long staging) {
    public static final VramReservation NONE = new VramReservation(0, 0, 0, 0);

    public long total() {
        return weights + kvCache + workspace + staging;
    }
}
