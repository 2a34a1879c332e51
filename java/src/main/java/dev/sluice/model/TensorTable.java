package dev.sluice.model;

import dev.sluice.ModelFormatException;
import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufTensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensors of a Llama model by role and layer, checked against its {@link ModelConfig}: every required
 * tensor is present with the shape the hyperparameters imply, and nothing else is in the file.
 */
public final class TensorTable {
    private static final Pattern LAYER_TENSOR = Pattern.compile("blk\\.(0|[1-9][0-9]{0,8})\\.([a-z_]+)\\.weight");
    private static final Pattern MODEL_TENSOR = Pattern.compile("([a-z_]+)\\.weight");

    private record Key(TensorRole role, int layer) {}

    private final List<ModelTensor> tensors;
    private final Map<Key, ModelTensor> byKey;
    private final long[] layerBytes;
    private final long nonLayerBytes;

    private TensorTable(List<ModelTensor> tensors, int nLayer) {
        this.tensors = List.copyOf(tensors);
        Map<Key, ModelTensor> keyed = new HashMap<>();
        long[] perLayer = new long[nLayer];
        long whole = 0;
        for (ModelTensor t : tensors) {
            keyed.put(new Key(t.role(), t.layer()), t);
            if (t.layer() == ModelTensor.NO_LAYER) {
                whole += t.info().byteSize();
            } else {
                perLayer[t.layer()] += t.info().byteSize();
            }
        }
        this.byKey = Collections.unmodifiableMap(keyed);
        this.layerBytes = perLayer;
        this.nonLayerBytes = whole;
    }

    /** @throws ModelFormatException naming the tensor that is unknown, missing or of the wrong shape */
    public static TensorTable of(ModelConfig config, GgufFile file) {
        // checked before anything is sized by the (untrusted) block count
        long perLayerRoles = Arrays.stream(TensorRole.values()).filter(TensorRole::perLayer).count();
        if ((long) config.nLayer() * perLayerRoles > file.tensors().size()) {
            throw new ModelFormatException("the model declares " + config.nLayer() + " blocks, which need "
                    + perLayerRoles + " tensors each, but the file holds " + file.tensors().size() + " tensors");
        }
        List<ModelTensor> tensors = new ArrayList<>(file.tensors().size());
        for (GgufTensorInfo info : file.tensors()) {
            ModelTensor tensor = classify(info, config.nLayer());
            long[] expected = expectedShape(tensor.role(), config);
            if (!Arrays.equals(info.shape(), expected)) {
                throw new ModelFormatException("tensor '" + info.name() + "' has shape " + Arrays.toString(info.shape())
                        + ", expected " + Arrays.toString(expected) + " for this model's hyperparameters");
            }
            tensors.add(tensor);
        }
        TensorTable table = new TensorTable(tensors, config.nLayer());
        table.checkComplete(config);
        return table;
    }

    /** In file order. */
    public List<ModelTensor> tensors() {
        return tensors;
    }

    public Optional<ModelTensor> get(TensorRole role, int layer) {
        return Optional.ofNullable(byKey.get(new Key(role, layer)));
    }

    /** Bytes of one block's tensors. */
    public long layerBytes(int layer) {
        return layerBytes[layer];
    }

    /** Bytes of the whole-model tensors (embeddings, output, final norm, rope factors). */
    public long nonLayerBytes() {
        return nonLayerBytes;
    }

    public long totalBytes() {
        return nonLayerBytes + Arrays.stream(layerBytes).sum();
    }

    /** Bytes of weights read to decode one token: every matrix once, one row of the embedding table. */
    public long bytesPerToken(ModelConfig config) {
        long embedding = get(TensorRole.TOKEN_EMBD, ModelTensor.NO_LAYER).orElseThrow().info().byteSize();
        long embeddingRow = config.tiedOutput() ? embedding : embedding / config.nVocab();
        return totalBytes() - embedding + embeddingRow;
    }

    private static ModelTensor classify(GgufTensorInfo info, int nLayer) {
        Matcher layerMatch = LAYER_TENSOR.matcher(info.name());
        if (layerMatch.matches()) {
            int layer = Integer.parseInt(layerMatch.group(1));
            TensorRole role = TensorRole.byGgufName(layerMatch.group(2)).filter(TensorRole::perLayer)
                    .orElseThrow(() -> unknown(info));
            if (layer >= nLayer) {
                throw new ModelFormatException("tensor '" + info.name() + "' belongs to block " + layer
                        + ", but the model has " + nLayer + " blocks");
            }
            return new ModelTensor(role, layer, info);
        }
        Matcher modelMatch = MODEL_TENSOR.matcher(info.name());
        if (modelMatch.matches()) {
            TensorRole role = TensorRole.byGgufName(modelMatch.group(1)).filter(r -> !r.perLayer())
                    .orElseThrow(() -> unknown(info));
            return new ModelTensor(role, ModelTensor.NO_LAYER, info);
        }
        throw unknown(info);
    }

    private static ModelFormatException unknown(GgufTensorInfo info) {
        return new ModelFormatException("unknown tensor '" + info.name() + "': not part of a llama model");
    }

    /** ggml order (ne[0] first): a weight [in, out] maps in-dimension vectors to out-dimension ones. */
    private static long[] expectedShape(TensorRole role, ModelConfig c) {
        return switch (role) {
            case TOKEN_EMBD, OUTPUT -> new long[] {c.nEmbd(), c.nVocab()};
            case OUTPUT_NORM, ATTN_NORM, FFN_NORM -> new long[] {c.nEmbd()};
            case ROPE_FREQS -> new long[] {c.nRot() / 2};
            case ATTN_Q -> new long[] {c.nEmbd(), c.qDim()};
            case ATTN_K, ATTN_V -> new long[] {c.nEmbd(), c.kvDim()};
            case ATTN_OUTPUT -> new long[] {c.qDim(), c.nEmbd()};
            case FFN_GATE, FFN_UP -> new long[] {c.nEmbd(), c.nFf()};
            case FFN_DOWN -> new long[] {c.nFf(), c.nEmbd()};
        };
    }

    private void checkComplete(ModelConfig config) {
        for (TensorRole role : TensorRole.values()) {
            if (role.perLayer()) {
                for (int layer = 0; layer < config.nLayer(); layer++) {
                    requirePresent(role, layer);
                }
            } else if (isRequired(role, config)) {
                requirePresent(role, ModelTensor.NO_LAYER);
            }
        }
    }

    /** output.weight is absent when tied; rope_freqs.weight only exists with Llama-3 rope scaling. */
    private static boolean isRequired(TensorRole role, ModelConfig config) {
        return switch (role) {
            case OUTPUT -> !config.tiedOutput();
            case ROPE_FREQS -> config.ropeScaling() == RopeScaling.LLAMA3;
            default -> true;
        };
    }

    private void requirePresent(TensorRole role, int layer) {
        if (!byKey.containsKey(new Key(role, layer))) {
            throw new ModelFormatException("missing tensor '" + role.tensorName(layer) + "'");
        }
    }
}
