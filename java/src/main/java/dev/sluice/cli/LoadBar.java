package dev.sluice.cli;

import dev.sluice.engine.LoadProgress;
import java.io.PrintWriter;

/**
 * The progress of a model load on stderr, shown only for models large enough for the load to take a
 * while (on CUDA the weights are copied into VRAM; on the CPU they are mapped, and loading is instant).
 */
final class LoadBar implements LoadProgress, AutoCloseable {
    private static final long SHOWN_FROM_BYTES = 512L << 20;

    private final PrintWriter err;
    private Progress progress;

    LoadBar(PrintWriter err) {
        this.err = err;
    }

    @Override
    public synchronized void loaded(long bytes, long totalBytes) {
        if (progress == null && totalBytes >= SHOWN_FROM_BYTES) {
            progress = Progress.start("load", totalBytes, " MiB", 1 << 20, err);
        }
        if (progress != null) {
            progress.stepTo(bytes);
        }
    }

    @Override
    public synchronized void close() {
        if (progress != null) {
            progress.close();
        }
    }
}
