package dev.sluice.engine;

/** Where a layer's weights live while the model runs ({@code sl_tier}); a tier plan picks one per layer. */
public enum LayerTier {
    /** In the backend's memory: VRAM on CUDA, the mapped file on the CPU. */
    RESIDENT(0),
    /** In pinned host RAM, copied to the GPU for every pass. */
    PINNED(1),
    /** On storage, read into pinned staging for every pass, then copied. */
    STORAGE(2);

    private final int nativeId;

    LayerTier(int nativeId) {
        this.nativeId = nativeId;
    }

    int nativeId() {
        return nativeId;
    }
}
