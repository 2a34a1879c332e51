package dev.sluice.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work on stderr: a redrawn bar when stderr is a terminal, otherwise one plain line
 * every few seconds (a log or a pipe gets a readable record, not hundreds of redraws).
 */
abstract sealed class Progress implements AutoCloseable {
    static final long PLAIN_INTERVAL_NANOS = 5_000_000_000L;

    /** {@code unit} names what is counted; {@code unitSize} of them make one displayed unit (e.g. 1e6 for "M"). */
    static Progress start(String task, long total, String unit, long unitSize, PrintWriter err) {
        return stderrIsTerminal() ? new Bar(task, total, unit, unitSize) : new Plain(task, total, unit, unitSize, err);
    }

    /** Reports that {@code done} of the total are finished. */
    abstract void stepTo(long done);

    @Override
    public abstract void close();

    /**
     * Whether stderr is a terminal. From JDK 22 on, {@code System.console()} exists even when redirected
     * and {@code Console.isTerminal()} answers; on JDK 21 the console is null unless attached.
     */
    static boolean stderrIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** Draws on the process's stderr itself: only chosen when that is the terminal. */
    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long total, String unit, long unitSize) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(unit, unitSize).continuousUpdate().clearDisplayOnFinish()
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }

        @Override
        void stepTo(long done) {
            bar.stepTo(done);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    private static final class Plain extends Progress {
        private final String task;
        private final long total;
        private final String unit;
        private final long unitSize;
        private final PrintWriter err;
        private final long start = System.nanoTime();
        private long lastLine = start;

        Plain(String task, long total, String unit, long unitSize, PrintWriter err) {
            this.task = task;
            this.total = total;
            this.unit = unit;
            this.unitSize = unitSize;
            this.err = err;
        }

        @Override
        synchronized void stepTo(long done) {
            long now = System.nanoTime();
            if (now - lastLine >= PLAIN_INTERVAL_NANOS && done < total) {
                lastLine = now;
                err.printf(Locale.ROOT, "%s: %,d/%,d%s (%.0f%%), %.0f s%n", task, done / unitSize, total / unitSize,
                        unit, 100.0 * done / Math.max(1, total), (now - start) / 1e9);
            }
        }

        @Override
        public void close() {
            err.flush();
        }
    }
}
