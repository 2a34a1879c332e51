package dev.sluice.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzing the reader with Jazzer. Without JAZZER_FUZZ the {@code @FuzzTest} replays the seeds and any
 * committed findings as regression tests; with JAZZER_FUZZ=1 it fuzzes in-process. So that a plain
 * {@code mvn test} (CI) really fuzzes, {@link #fuzzesForTheConfiguredTime} runs Jazzer's command line in
 * a child JVM for {@code -Djazzer.fuzz.seconds} (the pom passes 20; 0 skips it).
 */
class GgufFuzzTest {
    @TempDir
    Path dir;

    @FuzzTest(maxDuration = "20s")
    void readerAcceptsOrRejectsCleanly(byte[] data) throws IOException {
        GgufFuzzTarget.fuzzerTestOneInput(data);
    }

    @Test
    void seedsAreCurrentAndValid() throws IOException, URISyntaxException {
        FuzzSeeds.writeAll(dir);
        Path committed = seedDirectory();
        for (String name : FuzzSeeds.NAMES) {
            assertArrayEquals(Files.readAllBytes(dir.resolve(name)), Files.readAllBytes(committed.resolve(name)),
                    name + " is stale: regenerate the seeds with FuzzSeeds.main");
            GgufFile.read(committed.resolve(name));
        }
    }

    @Test
    void fuzzesForTheConfiguredTime() throws IOException, InterruptedException, URISyntaxException {
        long seconds = Long.getLong("jazzer.fuzz.seconds", 0);
        assumeTrue(seconds > 0, "jazzer.fuzz.seconds is not set");
        assumeTrue(System.getenv("JAZZER_FUZZ") == null, "JAZZER_FUZZ is set: the @FuzzTest fuzzes in-process");
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        for (String name : FuzzSeeds.NAMES) {
            Files.copy(seedDirectory().resolve(name), corpus.resolve(name));
        }
        Path findings = Files.createDirectories(dir.resolve("findings"));
        Path log = dir.resolve("jazzer.log");
        Process jazzer = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp", System.getProperty("java.class.path"),
                "com.code_intelligence.jazzer.Jazzer",
                "--target_class=" + GgufFuzzTarget.class.getName(),
                "--instrumentation_includes=dev.sluice.**",
                "--reproducer_path=" + findings,
                "-artifact_prefix=" + findings + "/",
                "-max_total_time=" + seconds,
                "-timeout=10",
                "-rss_limit_mb=0", // as Jazzer's JUnit mode: -Xmx bounds the heap, and a Java OOM is a finding
                corpus.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!jazzer.waitFor(seconds + 120, TimeUnit.SECONDS)) {
            jazzer.destroyForcibly();
        }
        String output = Files.readString(log);
        assertEquals(0, jazzer.exitValue(), () -> "Jazzer found a failing input (saved in " + findings + "):\n"
                + finding(output));
        String done = output.lines().filter(line -> line.startsWith("Done ")).findFirst()
                .orElseThrow(() -> new AssertionError("Jazzer did not fuzz:\n" + output));
        System.out.println("GGUF reader fuzzing: " + done); // "Done N runs in S second(s)", for the CI log
    }

    /** The exception Jazzer reports, or the end of its output. */
    private static String finding(String output) {
        int exception = output.indexOf("== Java Exception");
        int from = exception >= 0 ? exception : Math.max(0, output.length() - 4000);
        return output.substring(from, Math.min(output.length(), from + 4000));
    }

    private static Path seedDirectory() throws URISyntaxException {
        return Path.of(GgufFuzzTest.class.getResource(FuzzSeeds.RESOURCE_DIR).toURI());
    }
}
