package dev.sluice.plan;

/** A resource whose time per token bounds decode. */
public enum Bottleneck {
    /** Compute on the GPU, bound by its memory bandwidth over the weights it reads. */
    GPU,
    /** Host-to-device copies of streamed layers. */
    PCIE,
    /** Reads of tier C layers from storage. */
    STORAGE,
    /** The CPU reading weights from RAM (its share of split layers, or everything on the CPU backend). */
    CPU;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
