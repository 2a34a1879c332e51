package dev.sluice.cli;

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
            SynthCommand.class,
            NvmeCommand.class,
            ConvertCommand.class
        })
public final class SluiceCli {
    private SluiceCli() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (used by main and by the CLI tests). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SluiceCli());
        ErrorReporter errors = new ErrorReporter();
        cli.setParameterExceptionHandler(errors);
        cli.setExecutionExceptionHandler(errors);
        try {
            return cli.execute(args);
        } catch (Throwable t) { // a failure while loading natives happens outside picocli's handlers
            return errors.report(cli.getErr(), t);
        }
    }
}
