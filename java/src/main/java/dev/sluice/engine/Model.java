package dev.sluice.engine;

import dev.sluice.chat.ChatTemplate;
import dev.sluice.gguf.GgufFile;
import dev.sluice.model.ModelConfig;
import dev.sluice.model.ModelTensor;
import dev.sluice.model.TensorTable;
import dev.sluice.nativeapi.NativeDevices;
import dev.sluice.nativeapi.NativeStatus;
import dev.sluice.nativeapi.SluiceNative;
import dev.sluice.tokenizer.Tokenizer;
import dev.sluice.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A model opened for inference: the validated GGUF description, and the native model that maps the
 * weights. Open it once, create {@link Session}s from it, close it when done (closing closes the
 * sessions still open).
 *
 * <pre>{@code
 * try (Model model = Model.open(path, ModelOptions.defaults());
 *      Session session = model.newSession()) {
 *     float[] logits = session.decode(tokens);
 * }
 * }</pre>
 */
public final class Model implements AutoCloseable {
    private final Path path;
    private final GgufFile gguf;
    private final ModelConfig config;
    private final TensorTable table;
    private final ModelOptions options;
    private final Backend backend;
    private final List<Session> sessions = new ArrayList<>();
    private Tokenizer tokenizer;
    private EndOfGeneration endOfGeneration;
    private SluiceNative.Model handle;

    private Model(Path path, GgufFile gguf, ModelConfig config, TensorTable table, ModelOptions options,
                  Backend backend, SluiceNative.Model handle) {
        this.path = path;
        this.gguf = gguf;
        this.config = config;
        this.table = table;
        this.options = options;
        this.backend = backend;
        this.handle = handle;
    }

    /** Reads and validates the file, then loads it natively; throws for anything wrong with it. */
    public static Model open(Path path, ModelOptions options) throws IOException {
        return open(path, options, null);
    }

    /** The same, telling {@code progress} (when not null) how far the weights are loaded (placed in VRAM on CUDA). */
    public static Model open(Path path, ModelOptions options, LoadProgress progress) throws IOException {
        GgufFile gguf = GgufFile.read(path);
        ModelConfig config = ModelConfig.from(gguf);
        TensorTable table = TensorTable.of(config, gguf);
        Backend backend = options.backend().resolve();
        if (!options.layerTiers().isEmpty() && options.layerTiers().size() != config.nLayer()) {
            throw new IllegalArgumentException("layer tiers name " + options.layerTiers().size() + " layers; "
                    + path.getFileName() + " has " + config.nLayer());
        }
        long loadedBytes = loadedBytes(table, options);
        SluiceNative.Model handle = NativeModelLoader.load(path, gguf.dataOffset(), config, table, options, backend,
                progress == null ? null : bytes -> progress.loaded(bytes, loadedBytes));
        return new Model(path, gguf, config, table, options, backend, handle);
    }

    /**
     * Bytes a load brings in: every tensor but those of storage-tier layers (norms excepted, which stay resident),
     * which are read while the model runs instead.
     */
    private static long loadedBytes(TensorTable table, ModelOptions options) {
        return bytesOf(table, t -> streamedTier(options, t) != LayerTier.STORAGE);
    }

    /** The tier a tensor streams from, or RESIDENT: whole-model tensors, layer norms and resident layers. */
    private static LayerTier streamedTier(ModelOptions options, ModelTensor t) {
        return t.layer() < 0 || !options.streams() || t.role().isLayerNorm() ? LayerTier.RESIDENT
                : options.layerTiers().get(t.layer());
    }

    private static long bytesOf(TensorTable table, Predicate<ModelTensor> which) {
        return table.tensors().stream().filter(which).mapToLong(t -> t.info().byteSize()).sum();
    }

    /** Opens the small demo model that ships inside the jar (see {@link DemoModel}). */
    public static Model openDemo(ModelOptions options) throws IOException {
        return open(DemoModel.path(), options);
    }

    public Path path() {
        return path;
    }

    public GgufFile gguf() {
        return gguf;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelOptions options() {
        return options;
    }

    /** The backend the model runs on ({@link Backend#AUTO} resolved). */
    public Backend backend() {
        return backend;
    }

    /** Bytes of backend memory (VRAM on CUDA) the model and its sessions hold now. */
    public synchronized long memoryInUse() {
        return SluiceNative.sl_model_memory_in_use(open());
    }

    /** Bytes of streamed layers copied to the device so far (each crossing of PCIe counts); 0 if none streams. */
    public synchronized long streamedBytes() {
        return SluiceNative.sl_model_streamed_bytes(open());
    }

    /** Where the split layers' single-token passes spent their time so far ({@link SplitTime#NONE} if none is split). */
    public synchronized SplitTime splitTime() {
        long[] bytes = new long[1];
        double[] cpu = new double[1];
        double[] waited = new double[1];
        SluiceNative.sl_model_split_time(open(), bytes, cpu, waited);
        return new SplitTime(bytes[0], cpu[0], waited[0]);
    }

    /** Weight bytes a pass streams: the layers of the pinned and storage tiers, their norms excepted. */
    public long streamedBytesPerPass() {
        return bytesOf(table, t -> streamedTier(options, t) != LayerTier.RESIDENT);
    }

    /** CPU threads the model runs with: the option, or one per physical core. */
    public int threads() {
        return options.threads() > 0 ? options.threads() : NativeDevices.cpu().cores();
    }

    /** The model's tokenizer, built from its metadata on first use. */
    public synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = Tokenizer.of(Vocabulary.from(gguf.metadata()));
            endOfGeneration = new EndOfGeneration(tokenizer.vocabulary());
        }
        return tokenizer;
    }

    /**
     * The chat template: {@code override} when given, else the model's {@code tokenizer.chat_template},
     * else the built-in format that matches its vocabulary (Llama 3 or Llama 2).
     */
    public ChatTemplate chatTemplate(Optional<Path> override) throws IOException {
        Vocabulary vocab = tokenizer().vocabulary();
        if (override.isPresent()) {
            return ChatTemplate.fromFile(override.get(), vocab);
        }
        return gguf.metadata().getString("tokenizer.chat_template")
                .map(source -> ChatTemplate.of(source, vocab))
                .orElseGet(() -> ChatTemplate.builtinFor(vocab));
    }

    /** Tokens of text rendered by a chat template: special tokens parsed, BOS once. */
    public int[] promptTokens(String rendered) {
        return PromptTokens.of(tokenizer(), rendered);
    }

    synchronized EndOfGeneration endOfGeneration() {
        tokenizer();
        return endOfGeneration;
    }

    /** Bytes of weights read to decode one token: every matrix once, one row of the embedding table. */
    public long weightBytesPerToken() {
        return table.bytesPerToken(config);
    }

    /** A session with the context length of the options (or the model's, capped). */
    public Session newSession() {
        return newSession(defaultContextLength());
    }

    public synchronized Session newSession(int contextLength) {
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        }
        SluiceNative.Session session = new SluiceNative.Session();
        NativeStatus.check(SluiceNative.sl_session_create(open(), contextLength, session));
        Session s = new Session(this, session, contextLength);
        sessions.add(s);
        return s;
    }

    /** Positions of a session made without a length: the options' context, or the model's (capped). */
    public int defaultContextLength() {
        return options.sessionContext(config);
    }

    synchronized void forget(Session session) {
        sessions.remove(session);
    }

    private SluiceNative.Model open() {
        if (handle == null) {
            throw new IllegalStateException("model is closed");
        }
        return handle;
    }

    @Override
    public synchronized void close() {
        if (handle == null) {
            return;
        }
        for (Session s : List.copyOf(sessions)) {
            s.close();
        }
        SluiceNative.sl_model_free(handle);
        handle = null;
    }
}
