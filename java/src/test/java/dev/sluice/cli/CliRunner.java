package dev.sluice.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the CLI in-process and captures what it prints. */
record CliRunner(int exitCode, String stdout, String stderr) {
    static CliRunner run(String... args) {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int code = SluiceCli.run(new PrintWriter(stdout, true), new PrintWriter(stderr, true), args);
        return new CliRunner(code, stdout.toString(), stderr.toString());
    }

    /** The one-line error contract: exactly one line, starting with {@code error: }. */
    boolean isOneErrorLine() {
        String[] lines = stderr.strip().split("\n");
        return exitCode != 0 && lines.length >= 1 && lines[0].startsWith("error: ") && !stderr.contains("\tat ");
    }
}
