package dev.sluice.plan;

/** Consecutive layers {@code first..last} (inclusive) in one tier, and their weight bytes. */
public record LayerRange(int first, int last, Tier tier, long bytes) {
    public int count() {
        return last - first + 1;
    }
}
