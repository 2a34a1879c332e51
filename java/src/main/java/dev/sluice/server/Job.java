package dev.sluice.server;

import dev.sluice.engine.GenerationParams;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One request's generation: the decode loop publishes its events, the request's own (virtual) thread
 * takes them and writes the response. Every job ends with exactly one {@link Done} or {@link Failed}.
 */
final class Job {
    private final int[] prompt;
    private final GenerationParams params;
    private final long deadlineNanos;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    Job(int[] prompt, GenerationParams params, long deadlineNanos) {
        this.prompt = prompt;
        this.params = params;
        this.deadlineNanos = deadlineNanos;
    }

    int[] prompt() {
        return prompt;
    }

    GenerationParams params() {
        return params;
    }

    boolean expired(long now) {
        return now - deadlineNanos > 0;
    }

    /** The client went away: the decode loop stops the generation at its next turn and frees the slot. */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    void publish(Event event) {
        events.add(event);
    }

    /** The next event; blocks (cheaply, on a virtual thread) until the decode loop produces it. */
    Event next() throws InterruptedException {
        return events.take();
    }

    sealed interface Event permits Text, Done, Failed {}

    /** Text released by one token; never empty. */
    record Text(String text) implements Event {}

    /** {@code finishReason}: {@code stop} (end of text or a stop string) or {@code length}. */
    record Done(String finishReason, Usage usage) implements Event {}

    record Failed(ApiException error) implements Event {}
}
