package dev.sluice.tokenizer;

import dev.sluice.testing.Golden;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;

/**
 * Measures encode and decode throughput on about 1 MB of mixed text built from llama.cpp's tokenizer
 * test strings (run by hand, not a test): {@code java -Dsluice.golden=… -cp … dev.sluice.tokenizer.TokenizerThroughput}.
 */
public final class TokenizerThroughput {
    /** This thread's CPU time is the better figure on a shared, loaded machine. */
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private TokenizerThroughput() {}

    public static void main(String[] args) throws Exception {
        String sample = Files.readString(Golden.file("tokenizer/llama3-vocab.inp"))
                .replace("__ggml_vocab_test__", "");
        String text = sample.repeat((1 << 20) / sample.length() + 1);
        double megabytes = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        measure("Llama-3 BPE", GoldenVocabularies.llama3(), text, megabytes);
        measure("SentencePiece", GoldenVocabularies.sentencePiece(), text, megabytes);
    }

    private static void measure(String name, Tokenizer tokenizer, String text, double megabytes) {
        for (int round = 0; round < 4; round++) { // the first rounds warm up the JIT
            long start = System.nanoTime();
            long cpuStart = CPU.getCurrentThreadCpuTime();
            int[] ids = tokenizer.encode(text, false, true);
            double encodeWall = (System.nanoTime() - start) / 1e9;
            double encodeCpu = (CPU.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            start = System.nanoTime();
            cpuStart = CPU.getCurrentThreadCpuTime();
            String back = tokenizer.decode(ids);
            double decodeWall = (System.nanoTime() - start) / 1e9;
            double decodeCpu = (CPU.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            System.out.printf(Locale.ROOT, "%-14s round %d: %.2f MB -> %d tokens; MB/s wall (CPU): encode %.1f (%.1f), decode %.1f (%.1f)%s%n",
                    name, round, megabytes, ids.length, megabytes / encodeWall, megabytes / encodeCpu,
                    megabytes / decodeWall, megabytes / decodeCpu, back.equals(text) ? "" : " (round trip differs)");
        }
    }
}
