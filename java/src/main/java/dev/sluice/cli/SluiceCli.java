package dev.sluice.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sluice <command> …}: results on stdout, diagnostics on stderr, exit 0 only on success, and
 * a single {@code error: …} line on stderr otherwise (never a stack trace).
 */
@Command(
        name = "sluice",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Run Llama-family GGUF models on one GPU, streaming what does not fit.",
        subcommands = {
            DevicesCommand.class,
            InfoCommand.class,
            TokenizeCommand.class,
            RunCommand.class,
            ChatCommand.class,
            LogitsCommand.class,
            PerplexityCommand.class,
            BenchCommand.class,
            PlanCommand.class,
            ServeCommand.class,
            SynthCommand.class,
            NvmeCommand.class,
            ConvertCommand.class
        })
public final class SluiceCli {
    private SluiceCli() {}

    public static void main(String[] args) {
        System.exit(run(utf8(FileDescriptor.out), utf8(FileDescriptor.err), args));
    }

    /**
     * Runs a command line and returns its exit code (used by main and by the CLI tests). Every command
     * prints through {@code out} and {@code err}, so a caller sees all of its output.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new SluiceCli()).setOut(out).setErr(err);
        ErrorReporter errors = new ErrorReporter();
        cli.setParameterExceptionHandler(errors);
        cli.setExecutionExceptionHandler(errors);
        try {
            return cli.execute(args);
        } catch (Throwable t) { // a failure while loading natives happens outside picocli's handlers
            return errors.report(cli.getErr(), t);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** UTF-8 whatever the platform's charset, flushed at each line. */
    private static PrintWriter utf8(FileDescriptor fd) {
        return new PrintWriter(new OutputStreamWriter(new FileOutputStream(fd), StandardCharsets.UTF_8), true);
    }
}
