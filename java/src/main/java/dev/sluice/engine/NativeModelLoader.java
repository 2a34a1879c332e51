package dev.sluice.engine;

import dev.sluice.model.ModelConfig;
import dev.sluice.model.ModelTensor;
import dev.sluice.model.TensorTable;
import dev.sluice.nativeapi.NativeProgress;
import dev.sluice.nativeapi.NativeStatus;
import dev.sluice.nativeapi.SluiceNative;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Hands a validated model description to {@code sl_model_load}: hyperparameters, tensor table, options, and the
 * NVMe drive the weights come from when one is named.
 */
final class NativeModelLoader {
    private NativeModelLoader() {}

    /** {@code progress}, when not null, receives the bytes of resident weights loaded so far while the load runs. */
    static SluiceNative.Model load(Path path, long dataOffset, ModelConfig config, TensorTable table,
            ModelOptions options, Backend backend, LongConsumer progress) {
        List<ModelTensor> entries = table.tensors();
        NvmeWeights drive = options.weightsFrom();
        try (BytePointer nativePath = new BytePointer(path.toAbsolutePath().toString(), StandardCharsets.UTF_8);
                BytePointer nativeBdf = drive == null ? null : new BytePointer(drive.device().value());
                SluiceNative.ModelParams params = new SluiceNative.ModelParams();
                SluiceNative.Hparams hparams = hparams(config);
                SluiceNative.TensorDesc tensors = new SluiceNative.TensorDesc(entries.size());
                IntPointer tiers = layerTiers(options);
                FloatPointer shares = cpuShares(options)) {
            params.path(nativePath)
                    .backend(backend.nativeId())
                    .device(0)
                    .n_threads(options.threads())
                    .layer_tier(tiers)
                    .activation_q8(options.q8Activations() ? 1 : 0)
                    .nvme_bdf(nativeBdf)
                    .nvme_lba(drive == null ? 0 : drive.lba())
                    .stream_path(options.streamPath().nativeId())
                    .stream_slots(options.streamSlots())
                    .layer_cpu_share(shares)
                    .split_threads(options.splitThreads());
            if (drive != null) {
                params.nvme_iommu(drive.dma().nativeIommu())
                        .nvme_dma_window_phys(drive.dma().windowPhys())
                        .nvme_dma_window_bytes(drive.dma().windowBytes());
            }
            for (int i = 0; i < entries.size(); i++) {
                describe(tensors.position(i), entries.get(i), dataOffset);
            }
            SluiceNative.Model model = new SluiceNative.Model();
            if (progress == null) {
                NativeStatus.check(SluiceNative.sl_model_load(params, hparams, tensors.position(0), entries.size(), model));
            } else {
                NativeProgress.polled(progress, counter -> {
                    params.load_progress(counter);
                    return SluiceNative.sl_model_load(params, hparams, tensors.position(0), entries.size(), model);
                });
            }
            return model;
        }
    }

    /** The options' tier per layer, or null (every layer resident) when none streams. */
    private static IntPointer layerTiers(ModelOptions options) {
        if (!options.streams()) {
            return null;
        }
        int[] ids = options.layerTiers().stream().mapToInt(LayerTier::nativeId).toArray();
        return new IntPointer(ids);
    }

    /** The options' CPU share per layer, or null when no layer is split. */
    private static FloatPointer cpuShares(ModelOptions options) {
        if (options.cpuShares().stream().allMatch(s -> s == 0)) {
            return null;
        }
        float[] shares = new float[options.cpuShares().size()];
        for (int layer = 0; layer < shares.length; layer++) {
            shares[layer] = options.cpuShares().get(layer).floatValue();
        }
        return new FloatPointer(shares);
    }

    private static SluiceNative.Hparams hparams(ModelConfig c) {
        return new SluiceNative.Hparams()
                .n_vocab(c.nVocab())
                .n_ctx_train(c.nCtxTrain())
                .n_embd(c.nEmbd())
                .n_layer(c.nLayer())
                .n_head(c.nHead())
                .n_head_kv(c.nHeadKv())
                .n_ff(c.nFf())
                .head_dim(c.headDim())
                .n_rot(c.nRot())
                .rope_freq_base(c.ropeFreqBase())
                .rope_freq_scale(c.ropeFreqScale())
                .rms_eps(c.rmsEps())
                .tied_output(c.tiedOutput() ? 1 : 0);
    }

    private static void describe(SluiceNative.TensorDesc d, ModelTensor t, long dataOffset) {
        long[] shape = t.info().shape();
        d.role(t.role().nativeId()).layer(t.layer()).type(t.info().type().id()).n_dims(shape.length);
        for (int dim = 0; dim < 4; dim++) {
            d.ne(dim, dim < shape.length ? shape[dim] : 1);
        }
        d.offset(t.info().absoluteOffset(dataOffset)).size(t.info().byteSize());
    }
}
