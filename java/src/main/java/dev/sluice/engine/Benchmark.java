package dev.sluice.engine;

import dev.sluice.nativeapi.NativeStatus;
import dev.sluice.nativeapi.SluiceNative;
import dev.sluice.sampling.Logits;
import java.util.SplittableRandom;

/**
 * Prompt processing and generation speed of a model, measured as llama-bench does: a prompt of
 * {@code promptTokens} random ids as one batch in a fresh session, then {@code genTokens} tokens
 * decoded one at a time. Results are reported against the host memory bandwidth measured in the
 * same run: decode at batch 1 reads every weight once per token, so tok/s × bytes/token ÷ bandwidth
 * is the fraction of the roofline reached.
 */
public final class Benchmark {
    private static final long BANDWIDTH_PROBE_BYTES = 1L << 30;

    private Benchmark() {}

    public record Result(String backend, int threads, int promptTokens, double promptTokPerSec, int genTokens,
                         double genTokPerSec, long bytesPerToken, double gbPerSec, double hostGbPerSec,
                         double rooflineFraction) {}

    public static Result run(Model model, int promptTokens, int genTokens, int threads, long seed) {
        if (promptTokens < 0 || genTokens < 0 || promptTokens + genTokens == 0) {
            throw new IllegalArgumentException("need prompt (-p) or generation (-n) tokens to measure");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int nVocab = model.config().nVocab();
        double pp = 0;
        if (promptTokens > 0) {
            try (Session s = model.newSession(promptTokens)) {
                int[] prompt = random.ints(promptTokens, 0, nVocab).toArray();
                long start = System.nanoTime();
                s.decode(prompt);
                pp = promptTokens / seconds(start);
            }
        }
        double tg = 0;
        if (genTokens > 0) {
            try (Session s = model.newSession(genTokens + 1)) {
                int[] token = {random.nextInt(nVocab)};
                s.decode(token); // warm-up: first touch of the mapped weights is not decode speed
                s.truncate(0);
                long start = System.nanoTime();
                for (int i = 0; i < genTokens; i++) {
                    token[0] = Logits.argmax(s.decode(token));
                }
                tg = genTokens / seconds(start);
            }
        }
        long bytes = model.weightBytesPerToken();
        double gbs = tg * bytes / 1e9;
        double host = hostBandwidth(threads) / 1e9;
        return new Result(model.options().backend().resolve().name().toLowerCase(), threads, promptTokens, pp,
                genTokens, tg, bytes, gbs, host, host > 0 ? gbs / host : 0);
    }

    private static double hostBandwidth(int threads) {
        double[] bps = new double[1];
        NativeStatus.check(SluiceNative.sl_measure_host_bandwidth(BANDWIDTH_PROBE_BYTES, threads, bps));
        return bps[0];
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
