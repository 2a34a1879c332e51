package dev.sluice.engine;

import dev.sluice.Device;
import dev.sluice.nativeapi.NativeDevices;
import dev.sluice.nativeapi.NativeStatus;
import dev.sluice.nativeapi.SluiceNative;
import dev.sluice.sampling.Sampler;
import dev.sluice.sampling.SamplerParams;
import java.util.SplittableRandom;

/**
 * Prompt processing and generation speed of a model, measured as llama-bench does: a prompt of
 * {@code promptTokens} random ids as one batch in a fresh session, then {@code genTokens} tokens
 * decoded one at a time after {@code depth} tokens of context. Generation runs twice: through the Java
 * path (a greedy {@link Sampler} over the backend's best candidate) and natively, the token fed back
 * without leaving the library, so the Java overhead shows. Results are reported against the memory
 * bandwidth that bounds decode, measured in the same run: the host's read bandwidth on the CPU, the
 * device's copy bandwidth on CUDA. Decode at batch 1 reads every weight once per token, so
 * tok/s × bytes/token ÷ bandwidth is the fraction of the roofline reached.
 */
public final class Benchmark {
    private static final long HOST_PROBE_BYTES = 1L << 30;
    private static final long DEVICE_PROBE_BYTES = 2L << 30;
    private static final long SMALL_DEVICE_PROBE_BYTES = 256L << 20;

    private Benchmark() {}

    /**
     * @param boundName         what bounds decode: "host" (RAM read bandwidth) or "device" (VRAM copy bandwidth)
     * @param nativeGenTokPerSec generation speed with the token fed back natively
     * @param memoryInUse       backend memory held during the run (VRAM on CUDA)
     * @param ppLayerCrossings  with streamed layers: how many times each crossed PCIe during the timed prompt
     * @param tgStreamedBytes   with streamed layers: bytes copied to the device per generated token
     * @param tgSplit           with split layers: the CPU's share of the generated tokens, per token
     */
    public record Result(String backend, String deviceName, int threads, int promptTokens, double promptTokPerSec,
                         int depth, int genTokens, double genTokPerSec, double nativeGenTokPerSec, long bytesPerToken,
                         double gbPerSec, String boundName, double boundGbPerSec, double rooflineFraction,
                         long memoryInUse, double ppLayerCrossings, long tgStreamedBytes, SplitTime tgSplit) {}

    public static Result run(Model model, int promptTokens, int genTokens, int depth, int threads, long seed) {
        if (promptTokens < 0 || genTokens < 0 || depth < 0 || promptTokens + genTokens == 0) {
            throw new IllegalArgumentException("need prompt (-p) or generation (-n) tokens to measure");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int nVocab = model.config().nVocab();
        double pp = 0;
        long memory = 0;
        double crossings = 0;
        long streamedPerToken = 0;
        SplitTime splitPerToken = SplitTime.NONE;
        long perPass = model.streamedBytesPerPass();
        if (promptTokens > 0) {
            try (Session s = model.newSession(promptTokens)) {
                int[] prompt = random.ints(promptTokens, 0, nVocab).toArray();
                s.decode(prompt); // warm-up: first touch of the weights and scratch is not prompt speed
                s.truncate(0);
                long streamedBefore = model.streamedBytes();
                long start = System.nanoTime();
                s.decode(prompt);
                pp = promptTokens / seconds(start);
                crossings = perPass > 0 ? (double) (model.streamedBytes() - streamedBefore) / perPass : 0;
                memory = model.memoryInUse();
            }
        }
        double tg = 0;
        double tgNative = 0;
        if (genTokens > 0) {
            try (Session s = model.newSession(depth + 2 * genTokens + 3)) {
                if (depth > 0) {
                    s.feed(random.ints(depth, 0, nVocab).toArray());
                }
                int[] token = {random.nextInt(nVocab)};
                s.decodeTopK(token, 1); // warm-up: the first decode runs directly, the second is recorded
                s.decodeTopK(token, 1);
                s.truncate(depth);
                Sampler sampler = new Sampler(SamplerParams.greedy());
                long streamedBefore = model.streamedBytes();
                SplitTime splitBefore = model.splitTime();
                long start = System.nanoTime();
                for (int i = 0; i < genTokens; i++) {
                    token[0] = sampler.sample(s.decodeTopK(token, 1)).token();
                }
                tg = genTokens / seconds(start);
                streamedPerToken = (model.streamedBytes() - streamedBefore) / genTokens;
                SplitTime split = model.splitTime().since(splitBefore);
                splitPerToken = new SplitTime(split.cpuBytes() / genTokens, split.cpuSeconds() / genTokens,
                        split.waitSeconds() / genTokens);
                s.truncate(depth);
                double[] nativeSeconds = new double[1];
                NativeStatus.check(SluiceNative.sl_session_bench_decode(s.handle(), token[0], genTokens, nativeSeconds));
                tgNative = genTokens / nativeSeconds[0];
                memory = Math.max(memory, model.memoryInUse());
            }
        }
        long bytes = model.weightBytesPerToken();
        double gbs = tg * bytes / 1e9;
        boolean cuda = model.backend() == Backend.CUDA;
        double bound = (cuda ? deviceBandwidth() : hostBandwidth(threads)) / 1e9;
        return new Result(model.backend().name().toLowerCase(), deviceName(cuda), threads, promptTokens, pp, depth,
                genTokens, tg, tgNative, bytes, gbs, cuda ? "device" : "host", bound, bound > 0 ? gbs / bound : 0,
                memory, crossings, streamedPerToken, splitPerToken);
    }

    private static String deviceName(boolean cuda) {
        return NativeDevices.list().stream()
                .filter(d -> d.backend().equals(cuda ? "cuda" : "cpu"))
                .findFirst().map(Device::name).orElse("?");
    }

    private static double hostBandwidth(int threads) {
        double[] bps = new double[1];
        NativeStatus.check(SluiceNative.sl_measure_host_bandwidth(HOST_PROBE_BYTES, threads, bps));
        return bps[0];
    }

    /**
     * Measured after the model is placed, so a model that fills a VRAM budget may leave too little for the usual
     * probe: then a smaller one (copies of 256 MiB already reach the full rate on an H200).
     */
    private static double deviceBandwidth() {
        double[] bps = new double[1];
        int status = SluiceNative.sl_measure_device_bandwidth(0, DEVICE_PROBE_BYTES, bps);
        if (status == NativeStatus.OUT_OF_MEMORY.code()) {
            status = SluiceNative.sl_measure_device_bandwidth(0, SMALL_DEVICE_PROBE_BYTES, bps);
        }
        NativeStatus.check(status);
        return bps[0];
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
