package dev.sluice.cli;

import dev.sluice.OutOfMemoryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

/**
 * Loads a model by its tier plan and, when the host cannot pin the RAM the plan gave tier B (the OS may lock less
 * memory than it has free), says so and plans again with half that RAM, so more layers stream from storage: up to
 * {@link #MAX_RETRIES} times, then the error stands.
 */
final class PinnedFallback {
    static final int MAX_RETRIES = 3;

    /** Loads by a plan. */
    @FunctionalInterface
    interface Loader<P, T> {
        T load(P plan) throws IOException;
    }

    private PinnedFallback() {}

    /**
     * @param ramBytes the RAM a plan holds (its tier B and staging)
     * @param replan   a plan for a RAM budget in bytes
     */
    static <P, T> T open(P plan, ToLongFunction<P> ramBytes, LongFunction<P> replan, Loader<P, T> loader,
                         PrintWriter err) throws IOException {
        for (int retry = 0; ; retry++) {
            try {
                return loader.load(plan);
            } catch (OutOfMemoryException e) {
                long held = ramBytes.applyAsLong(plan);
                if (retry == MAX_RETRIES || held == 0 || !e.getMessage().contains("pinned host memory")) {
                    throw e;
                }
                long smaller = held / 2;
                err.println("warning: " + e.getMessage() + "; planning again with a RAM budget of " + Sizes.human(smaller));
                plan = replan.apply(smaller);
            }
        }
    }
}
