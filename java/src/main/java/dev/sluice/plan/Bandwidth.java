package dev.sluice.plan;

/**
 * A transfer rate the plan depends on.
 *
 * @param assumed true when it is a documented default rather than a measurement of this machine
 */
public record Bandwidth(double bytesPerSecond, boolean assumed) {
    public Bandwidth {
        if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond)) {
            throw new IllegalArgumentException("a bandwidth must be positive and finite, got " + bytesPerSecond);
        }
    }

    public static Bandwidth measured(double bytesPerSecond) {
        return new Bandwidth(bytesPerSecond, false);
    }

    public static Bandwidth assumed(double bytesPerSecond) {
        return new Bandwidth(bytesPerSecond, true);
    }

    public double gbPerSecond() {
        return bytesPerSecond / 1e9;
    }

    /** Seconds to move {@code bytes} at this rate. */
    public double seconds(double bytes) {
        return bytes / bytesPerSecond;
    }
}
