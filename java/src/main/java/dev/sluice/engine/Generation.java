package dev.sluice.engine;

import dev.sluice.ContextFullException;
import dev.sluice.sampling.Logits;
import dev.sluice.sampling.Sampler;
import dev.sluice.tokenizer.StreamDecoder;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/**
 * A generation in progress, pulled one token at a time: each {@link #next()} samples a token from
 * the current logits and runs it through the model. The prompt is processed as one batch on the
 * first call. {@link #cancel()} may be called from another thread; the generation then ends before
 * its next token.
 */
public final class Generation implements Iterator<GeneratedToken> {
    /** Prompts are evaluated in batches of this many tokens, so progress can be reported between them. */
    static final int PROMPT_BATCH = 512;

    private final Session session;
    private final Sampler sampler;
    private final StreamDecoder decoder;
    private final StopStringFilter stops;
    private final IntPredicate endOfGeneration;
    private final int maxTokens;
    private int[] prompt;
    private Logits logits;
    private final int candidates;
    private GeneratedToken ready;
    private StopReason stopReason;
    private volatile boolean cancelled;
    private int generated;
    private long promptNanos;
    private long generationNanos;
    private final int promptLength;
    private IntConsumer promptProgress = done -> { };

    /** {@code cached}: how many leading prompt tokens the session already holds (only the rest is evaluated). */
    Generation(Session session, int[] prompt, int cached, GenerationParams params, Sampler sampler,
               StreamDecoder decoder, IntPredicate endOfGeneration) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (prompt.length - cached > session.remaining()) {
            throw new ContextFullException("the prompt of " + prompt.length + " tokens does not fit in the "
                    + session.remaining() + " free positions of the " + session.contextLength()
                    + "-token context; shorten it or raise the context length (-c)");
        }
        this.session = session;
        this.prompt = Arrays.copyOfRange(prompt, cached, prompt.length);
        this.promptLength = this.prompt.length;
        this.sampler = sampler;
        this.decoder = decoder;
        this.stops = new StopStringFilter(params.stopStrings());
        this.endOfGeneration = endOfGeneration;
        this.maxTokens = params.maxTokens();
        int wanted = sampler.candidatesNeeded();
        this.candidates = wanted <= Math.min(Session.MAX_TOP_K, session.model().config().nVocab()) ? wanted : 0;
        for (int t : prompt) {
            sampler.accept(t); // penalties look back over the prompt too, as llama.cpp's do
        }
    }

    @Override
    public boolean hasNext() {
        if (ready == null && stopReason == null) {
            ready = step();
        }
        return ready != null;
    }

    @Override
    public GeneratedToken next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the generation has ended: " + stopReason);
        }
        GeneratedToken out = ready;
        ready = null;
        return out;
    }

    /** Receives the number of prompt tokens evaluated after each batch of the prompt. */
    public Generation onPromptProgress(IntConsumer progress) {
        this.promptProgress = progress;
        return this;
    }

    public void cancel() {
        cancelled = true;
    }

    /** Why the generation ended, or null while it goes on. */
    public StopReason stopReason() {
        return stopReason;
    }

    public GenerationStats stats() {
        return new GenerationStats(promptLength, promptNanos, generated, generationNanos);
    }

    private GeneratedToken step() {
        if (cancelled) {
            stopReason = StopReason.CANCELLED;
            return null;
        }
        if (prompt != null) {
            long start = System.nanoTime();
            logits = evaluatePrompt();
            promptNanos = System.nanoTime() - start;
            prompt = null;
        }
        if (generated == maxTokens) {
            stopReason = StopReason.MAX_TOKENS;
            return null;
        }
        long start = System.nanoTime();
        int token = sampler.sample(logits).token();
        sampler.accept(token);
        generated++;
        if (endOfGeneration.test(token)) {
            stopReason = StopReason.END_OF_GENERATION;
            generationNanos += System.nanoTime() - start;
            return new GeneratedToken(token, settle(""));
        }
        String text = stops.accept(decoder.accept(token));
        if (stops.stopped()) {
            stopReason = StopReason.STOP_STRING;
        } else if (generated == maxTokens) {
            stopReason = StopReason.MAX_TOKENS;
            text = settle(text);
        } else if (session.remaining() == 0) {
            stopReason = StopReason.CONTEXT_FULL;
            text = settle(text);
        } else {
            logits = next(new int[] {token});
        }
        generationNanos += System.nanoTime() - start;
        return new GeneratedToken(token, text);
    }

    /** Feeds all prompt batches but the last, which gives the logits to sample the first token from. */
    private Logits evaluatePrompt() {
        int done = 0;
        while (prompt.length - done > PROMPT_BATCH) {
            session.feed(Arrays.copyOfRange(prompt, done, done + PROMPT_BATCH));
            done += PROMPT_BATCH;
            promptProgress.accept(done);
        }
        Logits out = next(Arrays.copyOfRange(prompt, done, prompt.length));
        promptProgress.accept(prompt.length);
        return out;
    }

    /**
     * Runs tokens and returns what the sampler needs: the best candidates selected by the backend when its chain
     * looks at no more than those (the same choice as from every logit), else every logit.
     */
    private Logits next(int[] tokens) {
        return candidates > 0 ? session.decodeTopK(tokens, candidates) : Logits.dense(session.decode(tokens));
    }

    /** Appends whatever the decoder and the stop-string filter still hold, now that nothing follows. */
    private String settle(String text) {
        return text + stops.accept(decoder.finish()) + stops.flush();
    }
}
