package dev.sluice.plan;

/** Where a layer's weights live and how they reach the compute each token. */
public enum Tier {
    /** In VRAM (on the CPU backend: in mapped RAM), computed in place. */
    RESIDENT("A", "resident"),
    /** In pinned RAM, copied over PCIe each token. */
    RAM("B", "pinned RAM"),
    /** In RAM; the CPU computes a fraction of its rows while the GPU computes the rest, copied over PCIe. */
    SPLIT("B/split", "RAM, split CPU/GPU"),
    /** On storage, read each token into pinned staging (then copied to the GPU when there is one). */
    STORAGE("C", "storage");

    private final String letter;
    private final String description;

    Tier(String letter, String description) {
        this.letter = letter;
        this.description = description;
    }

    public String letter() {
        return letter;
    }

    public String description() {
        return description;
    }
}
