package dev.sluice.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;

/**
 * Measures encode and decode throughput on about 1 MB of mixed text built from llama.cpp's tokenizer
 * test strings (run by hand, not a test): {@code java -Dsluice.golden=… -cp … dev.sluice.tokenizer.TokenizerThroughput}.
 */
public final class TokenizerThroughput {
    private TokenizerThroughput() {}

    public static void main(String[] args) throws Exception {
        String sample = Files.readString(GoldenVocabularies.golden().resolve("tokenizer/llama3-vocab.inp"))
                .replace("__ggml_vocab_test__", "");
        String text = sample.repeat((1 << 20) / sample.length() + 1);
        double megabytes = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        measure("Llama-3 BPE", GoldenVocabularies.llama3(), text, megabytes);
        measure("SentencePiece", GoldenVocabularies.sentencePiece(), text, megabytes);
    }

    private static void measure(String name, Tokenizer tokenizer, String text, double megabytes) {
        for (int round = 0; round < 4; round++) { // the first rounds warm up the JIT
            long start = System.nanoTime();
            int[] ids = tokenizer.encode(text, false, true);
            double encodeSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            String back = tokenizer.decode(ids);
            double decodeSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%-14s round %d: %.2f MB -> %d tokens, encode %.1f MB/s, decode %.1f MB/s%s%n",
                    name, round, megabytes, ids.length, megabytes / encodeSeconds, megabytes / decodeSeconds,
                    back.equals(text) ? "" : " (round trip differs)");
        }
    }
}
