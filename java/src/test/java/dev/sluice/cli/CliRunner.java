package dev.sluice.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures what it prints. */
record CliRunner(int exitCode, String stdout, String stderr) {
    static synchronized CliRunner run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            int code = SluiceCli.run(args);
            System.out.flush();
            System.err.flush();
            return new CliRunner(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** The one-line error contract: exactly one line, starting with {@code error: }. */
    boolean isOneErrorLine() {
        String[] lines = stderr.strip().split("\n");
        return exitCode != 0 && lines.length >= 1 && lines[0].startsWith("error: ") && !stderr.contains("\tat ");
    }
}
