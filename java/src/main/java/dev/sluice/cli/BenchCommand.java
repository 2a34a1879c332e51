package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.sluice.engine.Benchmark;
import dev.sluice.engine.Model;
import dev.sluice.engine.SplitTime;
import dev.sluice.plan.Bandwidth;
import dev.sluice.plan.Prediction;
import dev.sluice.plan.Tier;
import dev.sluice.plan.TierPlan;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice bench}: prompt and generation speed, bytes per token, and the roofline fraction. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prompt processing and generation speed (random tokens, like llama-bench).")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @Option(names = {"-p", "--prompt-tokens"}, defaultValue = "512", paramLabel = "N",
            description = "Prompt tokens processed as one batch; 0 skips the prompt test (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = {"-n", "--gen-tokens"}, defaultValue = "128", paramLabel = "N",
            description = "Tokens generated one at a time; 0 skips the generation test (default: ${DEFAULT-VALUE})")
    int genTokens;

    @Option(names = {"-d", "--depth"}, defaultValue = "0", paramLabel = "N",
            description = "Tokens of context already in the cache when generation is measured (default: ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random prompt")
    long seed;

    @Option(names = "--json", description = "Print one JSON object")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Benchmark.Result r;
        Optional<Prediction> predicted;
        Optional<TierPlan> plan;
        try (Model model = modelArgs.open()) {
            plan = modelArgs.printPlan();
            predicted = plan.map(TierPlan::prediction);
            r = Benchmark.run(model, promptTokens, genTokens, depth, model.threads(), seed);
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
            out.println(mapper.writeValueAsString(new JsonResult(r, predicted, plan.flatMap(BenchCommand::streamBound))));
        } else {
            out.printf(Locale.ROOT, "backend %s (%s), %d threads, %s of %s memory in use%n", r.backend(),
                    r.deviceName(), r.threads(), Sizes.human(r.memoryInUse()), r.boundName());
            if (r.promptTokens() > 0) {
                out.printf(Locale.ROOT, "pp%d: %.1f tok/s%n", r.promptTokens(), r.promptTokPerSec());
            }
            if (r.genTokens() > 0) {
                out.printf(Locale.ROOT,
                        "tg%d%s: %.2f tok/s (native loop %.2f), %s/token, %.2f GB/s = %.0f%% of the %s's %.2f GB/s%n",
                        r.genTokens(), r.depth() > 0 ? " @ depth " + r.depth() : "", r.genTokPerSec(),
                        r.nativeGenTokPerSec(), Sizes.human(r.bytesPerToken()), r.gbPerSec(),
                        100 * r.rooflineFraction(), r.boundName(), r.boundGbPerSec());
                predicted.ifPresent(p -> out.printf(Locale.ROOT, "plan: predicted %.2f tok/s, bound by %s%n",
                        p.tokensPerSecond(), p.bottleneckLabel()));
                plan.flatMap(BenchCommand::streamBound).ifPresent(b -> out.printf(Locale.ROOT,
                        "streaming: %s/token copied, bound %.2f tok/s (%.0f%% reached); pp crossings per layer %.2f%n",
                        Sizes.human(r.tgStreamedBytes()), b, 100 * r.genTokPerSec() / b, r.ppLayerCrossings()));
                SplitTime split = r.tgSplit();
                if (split.cpuBytes() > 0) {
                    out.printf(Locale.ROOT, "split: the CPU read %s/token at %.1f GB/s in %.1f ms, waited %.1f ms%n",
                            Sizes.human(split.cpuBytes()), split.cpuGbPerSecond(), 1e3 * split.cpuSeconds(),
                            1e3 * split.waitSeconds());
                }
            }
        }
        return 0;
    }

    /**
     * The JSON contract of DESIGN.md (backend, threads, pp_tokens, pp_tok_s, tg_tokens, tg_tok_s, bytes_per_token,
     * gb_s), then the device, the native decode speed, the bound, the memory in use, and the tier plan's
     * predicted decode speed and bottleneck (null when no plan could be made); with split layers, per generated
     * token, the weight bytes the CPU's shares read, their rate, the CPU's seconds and the host's waits.
     */
    record JsonResult(String backend, int threads, int ppTokens, double ppTokS, int tgTokens, double tgTokS,
                      long bytesPerToken, double gbS, String device, int depth, double tgNativeTokS, String bound,
                      double boundGbS, double rooflineFraction, long memoryBytes, Double predictedTokS,
                      String bottleneck, long tgStreamedBytes, double ppLayerCrossings, Double streamBoundTokS,
                      long tgSplitCpuBytes, double tgSplitCpuGbS, double tgSplitCpuSeconds,
                      double tgSplitWaitSeconds) {
        JsonResult(Benchmark.Result r, Optional<Prediction> p, Optional<Double> streamBound) {
            this(r.backend(), r.threads(), r.promptTokens(), r.promptTokPerSec(), r.genTokens(), r.genTokPerSec(),
                    r.bytesPerToken(), r.gbPerSec(), r.deviceName(), r.depth(), r.nativeGenTokPerSec(), r.boundName(),
                    r.boundGbPerSec(), r.rooflineFraction(), r.memoryInUse(),
                    p.map(Prediction::tokensPerSecond).orElse(null), p.map(Prediction::bottleneckLabel).orElse(null),
                    r.tgStreamedBytes(), r.ppLayerCrossings(), streamBound.orElse(null), r.tgSplit().cpuBytes(),
                    r.tgSplit().cpuGbPerSecond(), r.tgSplit().cpuSeconds(), r.tgSplit().waitSeconds());
        }
    }

    /**
     * The decode speed streaming allows, from the plan's measured rates: the resident bytes read at the device's
     * bandwidth, plus the streamed bytes at the slower of PCIe (every streamed byte) and storage (tier C's bytes).
     * Empty when nothing streams or on the CPU.
     */
    static Optional<Double> streamBound(TierPlan plan) {
        Map<Tier, Long> bytes = plan.bytesPerTier();
        long pinned = bytes.getOrDefault(Tier.RAM, 0L) + bytes.getOrDefault(Tier.SPLIT, 0L);
        long storage = bytes.getOrDefault(Tier.STORAGE, 0L);
        Bandwidth pcie = plan.rates().get("host_to_device");
        Bandwidth device = plan.rates().get("device_memory");
        if (!plan.gpu() || pinned + storage == 0 || pcie == null || device == null) {
            return Optional.empty();
        }
        Bandwidth disk = plan.rates().get("storage_read");
        double streamSeconds = pcie.seconds(pinned + storage);
        if (storage > 0 && disk != null) {
            streamSeconds = Math.max(streamSeconds, disk.seconds(storage));
        }
        long resident = bytes.getOrDefault(Tier.RESIDENT, 0L) + plan.costs().headBytesPerToken();
        return Optional.of(1 / (device.seconds(resident) + streamSeconds));
    }
}
