package dev.sluice.plan;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Predicted decode speed at an empty context: each resource's seconds per token (weights only), the
 * fixed per-layer overheads, and the resources that bound it (more than one when the split balanced them).
 */
public record Prediction(double tokensPerSecond, List<Bottleneck> bottlenecks, Map<Bottleneck, Double> secondsPerToken,
                         double overheadSeconds) {
    /** Resources within this fraction of the slowest one are named with it. */
    private static final double TIE = 0.01;

    public Prediction {
        bottlenecks = List.copyOf(bottlenecks);
        secondsPerToken = Collections.unmodifiableMap(new EnumMap<>(secondsPerToken));
    }

    /** The resources work at the same time (the streaming pipeline): the slowest one sets the pace. */
    static Prediction overlapped(Map<Bottleneck, Double> seconds, double overheadSeconds) {
        double slowest = seconds.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return of(seconds, slowest + overheadSeconds, overheadSeconds);
    }

    /** One after another (the CPU waits for what it faults in from storage): the times add up. */
    static Prediction sequential(Map<Bottleneck, Double> seconds) {
        return of(seconds, seconds.values().stream().mapToDouble(Double::doubleValue).sum(), 0);
    }

    private static Prediction of(Map<Bottleneck, Double> seconds, double total, double overhead) {
        double slowest = seconds.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        List<Bottleneck> bound = seconds.entrySet().stream()
                .filter(e -> e.getValue() >= slowest * (1 - TIE))
                .map(Map.Entry::getKey).sorted().toList();
        return new Prediction(total > 0 ? 1 / total : 0, bound, seconds, overhead);
    }

    /** E.g. {@code pcie+cpu}. */
    public String bottleneckLabel() {
        return bottlenecks.stream().map(Bottleneck::label).collect(Collectors.joining("+"));
    }
}
