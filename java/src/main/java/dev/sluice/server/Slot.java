package dev.sluice.server;

import dev.sluice.engine.GeneratedToken;
import dev.sluice.engine.Generation;
import dev.sluice.engine.Session;
import java.util.Arrays;

/**
 * One of the server's {@code --parallel} slots: a session with its own KV cache, running at most one
 * job. It remembers which tokens its cache holds, so a request whose prompt starts with them (the
 * next turn of a chat) evaluates only the rest. Driven by the decode loop's thread alone.
 */
final class Slot implements AutoCloseable {
    private final Session session;
    private int[] cached = new int[0];
    private long lastUsed;
    private Job job;
    private Generation generation;
    private int[] tokens;
    private int length;
    private int reused;

    Slot(Session session) {
        this.session = session;
    }

    boolean busy() {
        return job != null;
    }

    long lastUsed() {
        return lastUsed;
    }

    /** How many leading prompt tokens this slot's cache already holds; one is always left to evaluate. */
    int reusablePrefix(int[] prompt) {
        int n = Math.min(cached.length, prompt.length - 1);
        int i = 0;
        while (i < n && cached[i] == prompt[i]) {
            i++;
        }
        return i;
    }

    void start(Job next, long now) {
        int[] prompt = next.prompt();
        reused = reusablePrefix(prompt);
        job = next;
        lastUsed = now;
        tokens = Arrays.copyOf(prompt, prompt.length + 64);
        length = prompt.length;
        generation = session.generate(prompt, reused, next.params());
    }

    /**
     * Runs the job one token further (its first turn evaluates the prompt). Returns false once the job
     * has ended — finished, cancelled or past its time limit — and the slot is free again.
     */
    boolean step(long now) {
        boolean timedOut = job.expired(now);
        if (timedOut || job.cancelled()) {
            generation.cancel();
        }
        if (generation.hasNext()) {
            GeneratedToken t = generation.next();
            remember(t.id());
            if (!t.text().isEmpty()) {
                job.publish(new Job.Text(t.text()));
            }
            return true;
        }
        String finishReason = switch (generation.stopReason()) {
            case END_OF_GENERATION, STOP_STRING -> "stop";
            case MAX_TOKENS, CONTEXT_FULL, CANCELLED -> "length"; // cancelled: the time limit, or nobody listens
        };
        job.publish(new Job.Done(finishReason,
                Usage.of(job.prompt().length, reused, generation.stats().generatedTokens())));
        // The cache holds the prompt and the generated tokens that were fed back (all but the last).
        cached = Arrays.copyOf(tokens, session.position());
        release();
        return false;
    }

    /** Ends the job with an error and forgets the cache, whose state is then unknown (the next job starts afresh). */
    void fail(ApiException error) {
        job.publish(new Job.Failed(error));
        cached = new int[0];
        release();
    }

    private void remember(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = token;
    }

    private void release() {
        job = null;
        generation = null;
        tokens = null;
    }

    @Override
    public void close() {
        session.close();
    }
}
