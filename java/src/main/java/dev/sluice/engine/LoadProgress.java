package dev.sluice.engine;

/** Told, a few times a second from another thread, how much of a model's resident weights is loaded. */
@FunctionalInterface
public interface LoadProgress {
    void loaded(long bytes, long totalBytes);
}
