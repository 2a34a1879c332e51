package dev.sluice.sampling;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Random;

/**
 * Measures one sampling step over a Llama-3-sized vocabulary (run by hand, not a test):
 * {@code java -cp target/test-classes:target/classes:<deps> dev.sluice.sampling.SamplerStepTime}.
 */
public final class SamplerStepTime {
    private static final int VOCAB = 128_256;
    private static final int STEPS = 20_000;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private SamplerStepTime() {}

    public static void main(String[] args) {
        float[][] logits = new float[16][VOCAB];
        Random random = new Random(1);
        for (float[] row : logits) {
            for (int i = 0; i < VOCAB; i++) {
                row[i] = (float) random.nextGaussian() * 3;
            }
        }
        measure("defaults (top-k 40, top-p 0.95, min-p 0.05, T 0.8)", SamplerParams.builder().seed(1).build(), logits);
        measure("defaults + repeat/frequency/presence penalties over 64", SamplerParams.builder().seed(1)
                .repeatPenalty(1.1f).frequencyPenalty(0.1f).presencePenalty(0.1f).build(), logits);
        measure("greedy", SamplerParams.greedy(), logits);
        measureArgmaxScan(logits);
    }

    /** The floor for any sampler: one pass reading every logit, measured on the same rows and machine. */
    private static void measureArgmaxScan(float[][] logits) {
        int checksum = 0;
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            long cpuStart = CPU.getCurrentThreadCpuTime();
            for (int step = 0; step < STEPS; step++) {
                float[] row = logits[step % logits.length];
                int best = 0;
                for (int i = 1; i < row.length; i++) {
                    best = row[i] > row[best] ? i : best;
                }
                checksum += best;
            }
            report("baseline: a bare argmax scan", round, start, cpuStart);
        }
        System.out.println("(checksum " + checksum + ")");
    }

    /** Wall time, and this thread's CPU time, which is the better figure on a shared, loaded machine. */
    private static void report(String name, int round, long start, long cpuStart) {
        double wall = (System.nanoTime() - start) / 1e3 / STEPS;
        double cpu = (CPU.getCurrentThreadCpuTime() - cpuStart) / 1e3 / STEPS;
        System.out.printf(Locale.ROOT, "%-58s round %d: %.1f µs/step wall, %.1f µs/step CPU%n", name, round, wall, cpu);
    }

    private static void measure(String name, SamplerParams params, float[][] logits) {
        Sampler sampler = new Sampler(params);
        int checksum = 0;
        for (int round = 0; round < 3; round++) { // the first rounds warm up the JIT
            long start = System.nanoTime();
            long cpuStart = CPU.getCurrentThreadCpuTime();
            for (int step = 0; step < STEPS; step++) {
                int token = sampler.sample(Logits.dense(logits[step % logits.length])).token();
                sampler.accept(token);
                checksum += token;
            }
            report(name, round, start, cpuStart);
        }
        System.out.println("(checksum " + checksum + ")");
    }
}
