package dev.sluice.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Turns every failure into one {@code error: …} line on stderr and a non-zero exit code. */
final class ErrorReporter implements IParameterExceptionHandler, IExecutionExceptionHandler {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("error: " + e.getMessage());
        err.println("(run with --help for usage)");
        err.flush();
        return EXIT_USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, ParseResult parseResult) {
        return report(cli.getErr(), e);
    }

    int report(PrintWriter err, Throwable t) {
        err.println("error: " + describe(t));
        err.flush();
        if (Boolean.getBoolean("sluice.debug")) {
            t.printStackTrace(err);
            err.flush();
        }
        return EXIT_FAILURE;
    }

    private static String describe(Throwable t) {
        if (t instanceof OutOfMemoryError) {
            return "the JVM ran out of heap memory (" + t.getMessage() + "); raise -Xmx";
        }
        if (t instanceof java.nio.file.NoSuchFileException e) {
            return "no such file: " + e.getFile();
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return message.strip().replace('\n', ' ');
    }
}
