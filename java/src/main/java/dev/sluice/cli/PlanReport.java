package dev.sluice.cli;

import dev.sluice.plan.Bandwidth;
import dev.sluice.plan.LayerRange;
import dev.sluice.plan.Tier;
import dev.sluice.plan.TierPlan;
import dev.sluice.plan.VramReservation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** A {@link TierPlan} for people (a table, or one line) and for scripts (a JSON object). */
final class PlanReport {
    private PlanReport() {}

    /** What run, chat and bench print on stderr. */
    static String summary(TierPlan plan) {
        String layers = plan.ranges().stream().map(r -> r.first() + "-" + r.last() + " " + key(r.tier()))
                .collect(Collectors.joining(", "));
        String split = plan.splitFraction() > 0
                ? String.format(Locale.ROOT, " (CPU share %.0f%%)", 100 * plan.splitFraction()) : "";
        return String.format(Locale.ROOT, "plan on %s: layers %s%s; predicted %.2f tok/s, bound by %s",
                plan.deviceName(), layers, split, plan.prediction().tokensPerSecond(), plan.prediction().bottleneckLabel());
    }

    static void printText(PrintWriter out, TierPlan plan) {
        String row = "%-10s %s%n";
        out.printf(row, "device", plan.gpu() ? plan.deviceName() + ", VRAM budget " + Sizes.human(plan.vramBudget())
                : "cpu (" + plan.cpuThreads() + " threads)");
        out.printf(Locale.ROOT, "%-10s %-8s %-20s %12s%n", "layers", "tier", "placement", "bytes");
        for (LayerRange r : plan.ranges()) {
            out.printf(Locale.ROOT, "%-10s %-8s %-20s %12s%n", r.first() + "-" + r.last(), r.tier().letter(),
                    r.tier().description(), Sizes.human(r.bytes()));
        }
        if (plan.splitFraction() > 0) {
            out.printf(Locale.ROOT, row, "split", String.format(Locale.ROOT,
                    "the CPU computes %.1f%% of each split layer's rows on %d threads, the GPU the rest",
                    100 * plan.splitFraction(), plan.cpuThreads()));
        }
        if (plan.gpu()) {
            VramReservation v = plan.vram();
            out.printf(row, "VRAM", Sizes.human(v.total()) + " of " + Sizes.human(plan.vramBudget()) + ": weights "
                    + Sizes.human(v.weights()) + ", KV cache " + Sizes.human(v.kvCache()) + ", workspace "
                    + Sizes.human(v.workspace()) + ", staging " + Sizes.human(v.staging()));
        }
        out.printf(row, "RAM", Sizes.human(plan.ramBytes()) + " of " + Sizes.human(plan.ramBudget()));
        out.printf(row, "rates", plan.rates().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> String.format(Locale.ROOT, "%s %.1f GB/s%s", e.getKey(), e.getValue().gbPerSecond(),
                        e.getValue().assumed() ? " (assumed)" : ""))
                .collect(Collectors.joining(", ")));
        out.printf(Locale.ROOT, row, "predicted", String.format(Locale.ROOT, "%.2f tok/s, bound by %s (%s per token)",
                plan.prediction().tokensPerSecond(), plan.prediction().bottleneckLabel(), times(plan)));
        plan.notes().forEach(note -> out.printf(row, "note", note));
    }

    private static String times(TierPlan plan) {
        List<String> parts = new ArrayList<>();
        plan.prediction().secondsPerToken().forEach((b, s) -> parts.add(b.label() + " " + millis(s)));
        if (plan.prediction().overheadSeconds() > 0) {
            parts.add("per-layer overheads " + millis(plan.prediction().overheadSeconds()));
        }
        return String.join(", ", parts);
    }

    private static String millis(double seconds) {
        return String.format(Locale.ROOT, "%.3g ms", seconds * 1e3);
    }

    static Map<String, Object> json(TierPlan plan) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("gpu", plan.gpu());
        j.put("device", plan.deviceName());
        j.put("context_length", plan.costs().contextLength());
        j.put("layers", plan.tiers().size());
        List<Map<String, Object>> ranges = new ArrayList<>();
        for (LayerRange r : plan.ranges()) {
            Map<String, Object> range = new LinkedHashMap<>();
            range.put("first", r.first());
            range.put("last", r.last());
            range.put("tier", r.tier().letter());
            range.put("placement", key(r.tier()));
            range.put("bytes", r.bytes());
            ranges.add(range);
        }
        j.put("ranges", ranges);
        Map<String, Long> perTier = new LinkedHashMap<>();
        plan.bytesPerTier().forEach((tier, bytes) -> perTier.put(key(tier), bytes));
        j.put("bytes_per_tier", perTier);
        j.put("split_fraction", plan.splitFraction());
        j.put("cpu_threads", plan.cpuThreads());
        j.put("vram_budget", plan.vramBudget());
        VramReservation v = plan.vram();
        j.put("vram", Map.of("weights", v.weights(), "kv_cache", v.kvCache(), "workspace", v.workspace(),
                "staging", v.staging(), "total", v.total()));
        j.put("ram_budget", plan.ramBudget());
        j.put("ram_bytes", plan.ramBytes());
        Map<String, Object> rates = new LinkedHashMap<>();
        plan.rates().forEach((name, rate) -> rates.put(name, rate(rate)));
        j.put("rates", rates);
        j.put("predicted_tok_s", plan.prediction().tokensPerSecond());
        j.put("bottleneck", plan.prediction().bottleneckLabel());
        Map<String, Double> seconds = new LinkedHashMap<>();
        plan.prediction().secondsPerToken().forEach((b, s) -> seconds.put(b.label(), s));
        j.put("seconds_per_token", seconds);
        j.put("overhead_seconds", plan.prediction().overheadSeconds());
        j.put("notes", plan.notes());
        return j;
    }

    private static Map<String, Object> rate(Bandwidth rate) {
        return Map.of("gb_s", rate.gbPerSecond(), "assumed", rate.assumed());
    }

    private static String key(Tier tier) {
        return tier.name().toLowerCase(Locale.ROOT);
    }
}
