import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A yardstick, not part of Sluice: llama.cpp's CPU decode speed through java-llama.cpp 4.2.0 (its prebuilt
 * JNI library), printed as one JSON line so it can be read beside {@code sluice bench --backend cpu}.
 *
 * <p>Usage: {@code LlamaCppDecode MODEL THREADS N [PROMPT_TOKENS=16] [REPS=3]}. A warm-up request runs first;
 * then REPS requests, each a fresh prompt of PROMPT_TOKENS token ids (no prompt cache) followed by N greedy
 * tokens with EOS ignored; the fastest is reported. tg_tok_s is the host-timed decode only: (tokens - 1) over
 * the time from the first streamed token to the last. llama.cpp's own per-request timings (its log's
 * "prompt eval" and "eval" lines) give pp_tok_s and llamacpp_tg_tok_s. Everything llama.cpp logs goes to
 * stderr.
 */
public final class LlamaCppDecode {
    private static final Pattern PROMPT_EVAL = Pattern.compile(
            "prompt eval time =\\s*([0-9.]+) ms /\\s*(\\d+) tokens");
    private static final Pattern EVAL = Pattern.compile("(?m)^\\s*eval time =\\s*([0-9.]+) ms /\\s*(\\d+) tokens");
    private static final Pattern BUILD = Pattern.compile("build: (\\d+) \\(([0-9a-f]+)\\)[^\\n]*");

    private static Path logFile;

    public static void main(String[] args) {
        // libjllama's server thread is not a daemon: without an exit the JVM would wait for it forever,
        // after a failure too.
        int rc = 0;
        try {
            measure(args);
        } catch (Throwable t) {
            t.printStackTrace();
            rc = 1;
        }
        System.exit(rc);
    }

    private static void measure(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: LlamaCppDecode MODEL THREADS N [PROMPT_TOKENS=16] [REPS=3]");
            System.exit(2);
        }
        String model = args[0];
        int threads = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        int promptTokens = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        if (n < 2 || promptTokens < 1 || reps < 1) throw new IllegalArgumentException("need N >= 2, PROMPT_TOKENS >= 1, REPS >= 1");

        // stdout carries only the JSON line: the loader's messages go to stderr with llama.cpp's log.
        java.io.PrintStream stdout = System.out;
        System.setOut(System.err);
        String gomp = preloadOpenMp();
        // The loader extracts libjllama.so into its temp dir and deletes older jllama* files there: give it
        // a private one.
        Path tmp = Files.createTempDirectory("sluice-llamacpp-");
        System.setProperty("de.kherud.llama.tmpdir", tmp.toString());
        logFile = tmp.resolve("llama.cpp.log");
        try {
            ModelParameters mp = new ModelParameters()
                    .setModel(model)
                    .setThreads(threads)
                    .setThreadsBatch(threads)
                    .setGpuLayers(0)
                    .setCtxSize(512)
                    .setParallel(1)
                    .setSeed(42)
                    // llama.cpp logs to stderr; a copy in a file gives this program its build, system info
                    // and per-request timings (java-llama.cpp's setLogger does not see the server's log).
                    .setLogFile(logFile.toString());
            long t0 = System.nanoTime();
            try (LlamaModel m = new LlamaModel(mp)) {
                double loadS = (System.nanoTime() - t0) / 1e9;
                int[] prompt = promptIds(m, promptTokens);
                run(m, prompt, Math.min(n, 8));  // warm-up: caches, page faults, thread pool
                Result best = null;
                for (int r = 0; r < reps; r++) {
                    Result res = run(m, prompt, n);
                    if (best == null || res.tgTokS > best.tgTokS) best = res;
                }
                String all = readLog();
                String sysInfo = lastLine(all, "system_info:");
                if (sysInfo == null) sysInfo = lastLine(all, "CPU :");
                Matcher b = BUILD.matcher(all);
                String build = b.find() ? "b" + b.group(1) + " (" + b.group(2) + ")" : null;
                StringBuilder j = new StringBuilder("{");
                j.append("\"engine\":\"llama.cpp (java-llama.cpp 4.2.0)\"");
                j.append(",\"threads\":").append(threads);
                j.append(",\"tg_tok_s\":").append(fmt(best.tgTokS));
                j.append(",\"pp_tok_s\":").append(best.ppTokS > 0 ? fmt(best.ppTokS) : "null");
                j.append(",\"llamacpp_tg_tok_s\":").append(best.lcTgTokS > 0 ? fmt(best.lcTgTokS) : "null");
                j.append(",\"ttft_ms\":").append(fmt(best.ttftMs));
                j.append(",\"n\":").append(best.tokens);
                j.append(",\"prompt_tokens\":").append(prompt.length);
                j.append(",\"reps\":").append(reps);
                j.append(",\"load_s\":").append(fmt(loadS));
                j.append(",\"model\":\"").append(esc(model)).append('"');
                j.append(",\"build\":").append(build == null ? "null" : "\"" + esc(build) + "\"");
                j.append(",\"libgomp\":\"").append(esc(gomp)).append('"');
                j.append(",\"system_info\":").append(sysInfo == null ? "null" : "\"" + esc(sysInfo) + "\"");
                j.append('}');
                stdout.println(j);
                stdout.flush();
            }
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private record Result(int tokens, double tgTokS, double ppTokS, double lcTgTokS, double ttftMs) {}

    private static Result run(LlamaModel m, int[] prompt, int n) throws Exception {
        int mark = readLog().length();
        InferenceParameters ip = new InferenceParameters("")
                .setNPredict(n)
                .setTemperature(0f)
                .setTopK(1)
                .setIgnoreEos(true)
                .setCachePrompt(false)
                .setSeed(42);
        rawPrompt(ip, prompt);
        long start = System.nanoTime(), first = -1, last = -1;
        int outputs = 0;
        LlamaIterator it = m.generate(ip).iterator();
        while (it.hasNext()) {
            LlamaOutput o = it.next();
            long now = System.nanoTime();
            if (o.text.isEmpty() && !it.hasNext()) break;  // the final, empty message
            if (first < 0) first = now;
            last = now;
            outputs++;
        }
        // The server's timings are logged when the slot is released, which may trail the last token a little.
        double pp = -1, lcTg = -1;
        for (int wait = 0; wait < 50; wait++) {
            String all = readLog();
            String s = all.length() > mark ? all.substring(mark) : "";
            Matcher pm = PROMPT_EVAL.matcher(s), em = EVAL.matcher(s);
            if (pm.find() && em.find()) {
                pp = Integer.parseInt(pm.group(2)) / (Double.parseDouble(pm.group(1)) / 1e3);
                int et = Integer.parseInt(em.group(2));
                double ems = Double.parseDouble(em.group(1));
                lcTg = et / (ems / 1e3);
                break;
            }
            Thread.sleep(10);
        }
        if (outputs < 2) throw new IllegalStateException("only " + outputs + " tokens streamed");
        double tg = (outputs - 1) / ((last - first) / 1e9);
        return new Result(outputs, tg, pp, lcTg, (first - start) / 1e6);
    }

    /** PROMPT_TOKENS ids of ordinary text, repeated as needed, so the prompt length is exact. */
    private static int[] promptIds(LlamaModel m, int count) {
        int[] t = m.encode("The quick brown fox jumps over the lazy dog while the sun sets slowly behind the hills, "
                + "and the river carries leaves toward the distant sea.");
        if (t.length == 0) throw new IllegalStateException("the model's tokenizer gave no tokens");
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = t[i % t.length];
        return out;
    }

    /** The server takes a prompt as a JSON array of token ids; the Java API only sets it as a string. */
    private static void rawPrompt(InferenceParameters ip, int[] ids) throws ReflectiveOperationException {
        Field f = Class.forName("de.kherud.llama.JsonParameters").getDeclaredField("parameters");
        f.setAccessible(true);
        @SuppressWarnings("unchecked") Map<String, String> p = (Map<String, String>) f.get(ip);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ids.length; i++) sb.append(i == 0 ? "" : ",").append(ids[i]);
        p.put("prompt", sb.append(']').toString());
    }

    /**
     * libjllama.so needs libgomp.so.1. Where the system has none, a copy beside this class (put there by
     * prepare.sh) is loaded first, so the dynamic linker finds it by soname when libjllama.so is loaded.
     */
    private static String preloadOpenMp() {
        // -Dllamacpp.bundledGomp=true takes the bundled copy even where the system has one (to test it).
        if (!Boolean.getBoolean("llamacpp.bundledGomp")) for (String d : new String[] {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"}) {
            if (Files.exists(Path.of(d, "libgomp.so.1"))) return d + "/libgomp.so.1";
        }
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(e).toAbsolutePath();
            Path dir = Files.isDirectory(p) ? p : p.getParent();
            Path g = dir == null ? null : dir.resolve("libgomp.so.1");
            if (g != null && Files.exists(g)) {
                System.load(g.toString());
                return g + " (bundled)";
            }
        }
        return "none found";
    }

    private static String readLog() throws java.io.IOException {
        return Files.exists(logFile) ? Files.readString(logFile, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
    }

    private static String lastLine(String all, String key) {
        String found = null;
        for (String l : all.split("\n")) if (l.contains(key)) found = l.trim();
        return found;
    }

    private static String fmt(double d) { return String.format(java.util.Locale.ROOT, "%.2f", d); }

    private static String esc(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
