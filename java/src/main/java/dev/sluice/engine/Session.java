package dev.sluice.engine;

import dev.sluice.ContextFullException;
import dev.sluice.nativeapi.NativeStatus;
import dev.sluice.nativeapi.SluiceNative;
import dev.sluice.sampling.Logits;
import dev.sluice.sampling.Sampler;
import dev.sluice.tokenizer.Tokenizer;
import java.util.function.Consumer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * One conversation's state: a KV cache of {@link #contextLength()} positions over a {@link Model}.
 * Tokens are appended with {@link #decode}; {@link #truncate} rolls back (chat keeps the cache
 * across turns). Not thread-safe: one thread drives a session at a time.
 */
public final class Session implements AutoCloseable {
    /** The most candidates {@link #decodeTopK} returns. */
    public static final int MAX_TOP_K = 256;

    private final Model model;
    private final int contextLength;
    private final int nVocab;
    private SluiceNative.Session handle;

    Session(Model model, SluiceNative.Session handle, int contextLength) {
        this.model = model;
        this.handle = handle;
        this.contextLength = contextLength;
        this.nVocab = model.config().nVocab();
    }

    public Model model() {
        return model;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Tokens held in the KV cache. */
    public int position() {
        return SluiceNative.sl_session_position(open());
    }

    public int remaining() {
        return contextLength - position();
    }

    /** Appends tokens as one batch and returns the logits after the last one. */
    public float[] decode(int[] tokens) {
        return run(tokens, false);
    }

    /** Appends tokens as one batch and returns a row of logits per token: [tokens.length * nVocab]. */
    public float[] decodeAll(int[] tokens) {
        return run(tokens, true);
    }

    /**
     * Appends tokens and returns only the {@code k} best logits after the last one (1 ≤ k ≤ 256), selected
     * where the model runs: on a GPU, k values cross to the host instead of the whole vocabulary.
     */
    public Logits decodeTopK(int[] tokens, int k) {
        if (k < 1 || k > MAX_TOP_K || k > nVocab) {
            throw new IllegalArgumentException("k must be in [1, " + Math.min(MAX_TOP_K, nVocab) + "], got " + k);
        }
        checkTokens(tokens);
        int[] ids = new int[k];
        float[] logits = new float[k];
        try (IntPointer in = new IntPointer(tokens); IntPointer outIds = new IntPointer(k);
                FloatPointer outLogits = new FloatPointer(k)) {
            NativeStatus.check(SluiceNative.sl_session_decode_top_k(open(), in, tokens.length, k, outIds, outLogits));
            outIds.get(ids);
            outLogits.get(logits);
        }
        return Logits.candidates(ids, logits);
    }

    /** Appends tokens to the cache without computing logits (prompt prefixes, chat history). */
    public void feed(int[] tokens) {
        checkRoom(tokens.length);
        try (IntPointer ids = new IntPointer(tokens)) {
            NativeStatus.check(SluiceNative.sl_session_decode(open(), ids, tokens.length, null, 0));
        }
    }

    /** Forgets every position at or after {@code nPast}. */
    public void truncate(int nPast) {
        NativeStatus.check(SluiceNative.sl_session_truncate(open(), nPast));
    }

    /** Starts generating after {@code prompt}, appended to what the cache holds; pull tokens from the returned iterator. */
    public Generation generate(int[] prompt, GenerationParams params) {
        return start(prompt, 0, params);
    }

    /**
     * Starts generating after {@code prompt}, of which the first {@code cached} tokens are already the
     * first positions of this session's KV cache (a prompt cache): the cache is cut back to them and only
     * the rest of the prompt is evaluated. The penalties still look back over the whole prompt, so the
     * result is the one a fresh session would give.
     */
    public Generation generate(int[] prompt, int cached, GenerationParams params) {
        if (cached < 0 || cached >= prompt.length || cached > position()) {
            throw new IllegalArgumentException("cached prefix of " + cached + " tokens must be below the prompt's "
                    + prompt.length + " and at most the " + position() + " cached positions");
        }
        truncate(cached);
        return start(prompt, cached, params);
    }

    private Generation start(int[] prompt, int cached, GenerationParams params) {
        Tokenizer tokenizer = model.tokenizer();
        return new Generation(this, prompt, cached, params, new Sampler(params.sampler()),
                tokenizer.streamDecoder(false), model.endOfGeneration());
    }

    /** Generates after {@code prompt}, handing each token to {@code onToken}; returns why it stopped. */
    public Generation generate(int[] prompt, GenerationParams params, Consumer<GeneratedToken> onToken) {
        Generation g = generate(prompt, params);
        g.forEachRemaining(onToken);
        return g;
    }

    private float[] run(int[] tokens, boolean allLogits) {
        checkTokens(tokens);
        int rows = allLogits ? tokens.length : 1;
        float[] logits = new float[Math.multiplyExact(rows, nVocab)];
        try (IntPointer ids = new IntPointer(tokens); FloatPointer out = new FloatPointer(logits.length)) {
            NativeStatus.check(SluiceNative.sl_session_decode(open(), ids, tokens.length, out, allLogits ? 1 : 0));
            out.get(logits);
        }
        return logits;
    }

    private void checkTokens(int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("nothing to decode: no tokens");
        }
        checkRoom(tokens.length);
        for (int t : tokens) {
            if (t < 0 || t >= nVocab) {
                throw new IllegalArgumentException("token id " + t + " outside the vocabulary [0, " + nVocab + ")");
            }
        }
    }

    private void checkRoom(int n) {
        int position = position();
        if (n > contextLength - position) {
            throw new ContextFullException("context full: " + position + " of " + contextLength + " positions used, "
                    + n + " more requested; start a new session or raise the context length (-c)");
        }
    }

    /** The native handle, for measurements in this package. */
    SluiceNative.Session handle() {
        return open();
    }

    private SluiceNative.Session open() {
        if (handle == null) {
            throw new IllegalStateException("session is closed");
        }
        return handle;
    }

    @Override
    public void close() {
        if (handle != null) {
            SluiceNative.sl_session_free(handle);
            handle = null;
            model.forget(this);
        }
    }
}
