package dev.sluice.engine;

/**
 * Where split layers' single-token passes spent their time: the weight bytes the CPU's shares read, the seconds
 * the CPU spent on them, and the seconds the host waited for the device's activations before it could start.
 * The CPU's rate, {@code cpuBytes / cpuSeconds}, is what the tier planner balanced against PCIe.
 */
public record SplitTime(long cpuBytes, double cpuSeconds, double waitSeconds) {
    public static final SplitTime NONE = new SplitTime(0, 0, 0);

    /** What was spent between {@code earlier} and this. */
    public SplitTime since(SplitTime earlier) {
        return new SplitTime(cpuBytes - earlier.cpuBytes, cpuSeconds - earlier.cpuSeconds,
                waitSeconds - earlier.waitSeconds);
    }

    /** The CPU share's rate in GB/s, 0 when it read nothing. */
    public double cpuGbPerSecond() {
        return cpuSeconds > 0 ? cpuBytes / cpuSeconds / 1e9 : 0;
    }
}
