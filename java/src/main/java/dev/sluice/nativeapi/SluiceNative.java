package dev.sluice.nativeapi;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.MemberSetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The thin JavaCPP binding of {@code native/include/sluice/sluice.h}: one method per C function, no
 * policy. Every {@code int} returned is an {@code sl_status}; callers go through {@link NativeStatus#check}.
 * This is the only {@code @Platform} class, so JavaCPP builds exactly one JNI library.
 */
@Platform(include = "sluice/sluice.h", link = "sluice")
public final class SluiceNative {
    static {
        Loader.load();
    }

    private SluiceNative() {}

    // ---- Status and errors ----
    public static native String sl_last_error();

    public static native String sl_status_name(@Cast("sl_status") int status);

    public static native String sl_version();

    // ---- Backends and devices ----
    public static native int sl_device_count(IntPointer count);

    public static native int sl_device_get(int index, DeviceInfo info);

    public static native String sl_cuda_unavailable_reason();

    /** {@code sl_device_info}. */
    @Name("sl_device_info")
    public static final class DeviceInfo extends Pointer {
        static {
            Loader.load();
        }

        public DeviceInfo() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberGetter
        public native int backend();

        @MemberGetter
        public native int ordinal();

        @MemberGetter
        public native @Cast("const char*") BytePointer name();

        @MemberGetter
        public native int compute_major();

        @MemberGetter
        public native int compute_minor();

        @MemberGetter
        public native @Cast("uint64_t") long total_memory();

        @MemberGetter
        public native @Cast("uint64_t") long free_memory();

        @MemberGetter
        public native int cores();

        @MemberGetter
        public native int features();
    }

    // ---- Models and sessions ----
    public static native int sl_model_load(ModelParams params, Hparams hparams, TensorDesc tensors, int nTensors,
            @ByPtrPtr Model model);

    public static native void sl_model_free(Model model);

    public static native @Cast("uint64_t") long sl_model_memory_in_use(Model model);

    public static native @Cast("uint64_t") long sl_model_streamed_bytes(Model model);

    public static native void sl_model_split_time(Model model, @Cast("uint64_t*") long[] cpuBytes,
            double[] cpuSeconds, double[] waitSeconds);

    public static native int sl_session_create(Model model, int nCtx, @ByPtrPtr Session session);

    public static native void sl_session_free(Session session);

    public static native int sl_session_decode(Session session, IntPointer tokens, int nTokens, FloatPointer logits,
            int allLogits);

    public static native int sl_session_decode_top_k(Session session, IntPointer tokens, int nTokens, int k,
            IntPointer ids, FloatPointer logits);

    public static native int sl_session_position(Session session);

    public static native int sl_session_truncate(Session session, int nPast);

    // ---- Quantization ----
    public static native int sl_type_size(int type, long n, @Cast("uint64_t*") long[] bytes);

    public static native int sl_quantize(int type, FloatPointer src, long n, Pointer dst, @Cast("uint64_t") long dstSize);

    // ---- Measurements ----
    public static native int sl_measure_host_bandwidth(@Cast("uint64_t") long bytes, int nThreads,
            double[] bytesPerSecond);

    public static native int sl_measure_cpu_matmul_bandwidth(int type, @Cast("uint64_t") long bytes, int nThreads,
            double[] bytesPerSecond);

    public static native int sl_measure_device_bandwidth(int device, @Cast("uint64_t") long bytes,
            double[] bytesPerSecond);

    public static native int sl_measure_host_to_device_bandwidth(int device, @Cast("uint64_t") long bytes,
            double[] bytesPerSecond);

    public static native int sl_session_bench_decode(Session session, int token, int nTokens, double[] seconds);

    // ---- NVMe (userspace driver) ----
    public static native void sl_nvme_options_init(NvmeOptions options);

    public static native int sl_nvme_list(@Cast("char*") byte[] out, @Cast("uint64_t") long capacity, IntPointer count);

    public static native int sl_nvme_header_for_file(String ggufPath, @Cast("uint32_t") int blockSize,
            NvmeModelHeader header);

    public static native int sl_nvme_write_model(String target, String ggufPath, @Cast("uint64_t") long lba,
            NvmeModelHeader written, @Cast("uint64_t*") LongPointer bytesDone);

    public static native int sl_nvme_open(String bdf, NvmeOptions options, @ByPtrPtr Nvme nvme);

    public static native int sl_nvme_get_info(Nvme nvme, NvmeInfo info);

    public static native int sl_nvme_read_header(Nvme nvme, @Cast("uint64_t") long lba, NvmeModelHeader header);

    public static native int sl_nvme_attach_model(Nvme nvme, @Cast("uint64_t") long lba, NvmeModelHeader expected);

    public static native int sl_nvme_read(Nvme nvme, @Cast("uint64_t") long offset, @Cast("uint64_t") long length,
            Pointer dst);

    public static native int sl_nvme_close(Nvme nvme);

    /** {@code sl_nvme}: a controller driven by the userspace driver. */
    @Opaque
    @Name("sl_nvme")
    public static final class Nvme extends Pointer {
        public Nvme() {
            super((Pointer) null);
        }
    }

    /** {@code sl_nvme_iommu}. */
    public static final int SL_NVME_IOMMU = 0;
    public static final int SL_NVME_NO_IOMMU = 1;

    /** {@code sl_nvme_options}. */
    @Name("sl_nvme_options")
    public static final class NvmeOptions extends Pointer {
        static {
            Loader.load();
        }

        public NvmeOptions() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberSetter
        public native NvmeOptions iommu(int v);

        @MemberSetter
        public native NvmeOptions dma_window_phys(@Cast("uint64_t") long v);

        @MemberSetter
        public native NvmeOptions dma_window_bytes(@Cast("uint64_t") long v);
    }

    /** {@code sl_nvme_info}. */
    @Name("sl_nvme_info")
    public static final class NvmeInfo extends Pointer {
        static {
            Loader.load();
        }

        public NvmeInfo() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberGetter
        public native @Cast("const char*") BytePointer bdf();

        @MemberGetter
        public native @Cast("uint16_t") short vendor_id();

        @MemberGetter
        public native @Cast("const char*") BytePointer serial();

        @MemberGetter
        public native @Cast("const char*") BytePointer model();

        @MemberGetter
        public native @Cast("const char*") BytePointer firmware();

        @MemberGetter
        public native @Cast("uint32_t") int block_size();

        @MemberGetter
        public native @Cast("uint64_t") long blocks();

        @MemberGetter
        public native @Cast("uint64_t") long max_transfer_bytes();

        @MemberGetter
        public native int n_queues();

        @MemberGetter
        public native int queue_depth();

        @MemberGetter
        public native int iommu();
    }

    /** {@code sl_nvme_model_header}. */
    @Name("sl_nvme_model_header")
    public static final class NvmeModelHeader extends Pointer {
        static {
            Loader.load();
        }

        public NvmeModelHeader() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberGetter
        public native @Cast("uint32_t") int version();

        @MemberGetter
        public native @Cast("uint32_t") int data_offset();

        @MemberGetter
        public native @Cast("uint64_t") long model_size();

        @MemberGetter
        public native @Cast("uint64_t") long prefix_size();

        @MemberGetter
        public native @Cast("uint64_t") long prefix_hash();
    }

    /** {@code sl_model}: a loaded model. */
    @Opaque
    @Name("sl_model")
    public static final class Model extends Pointer {
        public Model() {
            super((Pointer) null);
        }
    }

    /** {@code sl_session}: one KV cache over a model. */
    @Opaque
    @Name("sl_session")
    public static final class Session extends Pointer {
        public Session() {
            super((Pointer) null);
        }
    }

    /** {@code sl_hparams}. */
    @Name("sl_hparams")
    public static final class Hparams extends Pointer {
        static {
            Loader.load();
        }

        public Hparams() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberSetter
        public native Hparams n_vocab(int v);

        @MemberSetter
        public native Hparams n_ctx_train(int v);

        @MemberSetter
        public native Hparams n_embd(int v);

        @MemberSetter
        public native Hparams n_layer(int v);

        @MemberSetter
        public native Hparams n_head(int v);

        @MemberSetter
        public native Hparams n_head_kv(int v);

        @MemberSetter
        public native Hparams n_ff(int v);

        @MemberSetter
        public native Hparams head_dim(int v);

        @MemberSetter
        public native Hparams n_rot(int v);

        @MemberSetter
        public native Hparams rope_freq_base(float v);

        @MemberSetter
        public native Hparams rope_freq_scale(float v);

        @MemberSetter
        public native Hparams rms_eps(float v);

        @MemberSetter
        public native Hparams tied_output(int v);
    }

    /** {@code sl_tensor_desc}; allocated as an array, addressed with {@code position(i)}. */
    @Name("sl_tensor_desc")
    public static final class TensorDesc extends Pointer {
        static {
            Loader.load();
        }

        public TensorDesc(long size) {
            super((Pointer) null);
            allocateArray(size);
        }

        private native void allocateArray(long size);

        @Override
        public TensorDesc position(long position) {
            return super.position(position);
        }

        @MemberSetter
        public native TensorDesc role(int v);

        @MemberSetter
        public native TensorDesc layer(int v);

        @MemberSetter
        public native TensorDesc type(int v);

        @MemberSetter
        public native TensorDesc n_dims(int v);

        @MemberSetter
        public native TensorDesc ne(int i, long v);

        @MemberSetter
        public native TensorDesc offset(@Cast("uint64_t") long v);

        @MemberSetter
        public native TensorDesc size(@Cast("uint64_t") long v);
    }

    /** {@code sl_model_params}; the path, NVMe address and tier arrays must outlive the load call. */
    @Name("sl_model_params")
    public static final class ModelParams extends Pointer {
        static {
            Loader.load();
        }

        public ModelParams() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberSetter
        public native ModelParams path(@Cast("const char*") BytePointer v);

        @MemberSetter
        public native ModelParams backend(int v);

        @MemberSetter
        public native ModelParams device(int v);

        @MemberSetter
        public native ModelParams n_threads(int v);

        @MemberSetter
        public native ModelParams layer_tier(@Cast("const int32_t*") IntPointer v);

        @MemberSetter
        public native ModelParams activation_q8(int v);

        @MemberSetter
        public native ModelParams nvme_bdf(@Cast("const char*") BytePointer v);

        @MemberSetter
        public native ModelParams nvme_lba(@Cast("uint64_t") long v);

        @MemberSetter
        public native ModelParams nvme_iommu(int v);

        @MemberSetter
        public native ModelParams nvme_dma_window_phys(@Cast("uint64_t") long v);

        @MemberSetter
        public native ModelParams nvme_dma_window_bytes(@Cast("uint64_t") long v);

        @MemberSetter
        public native ModelParams load_progress(@Cast("uint64_t*") LongPointer v);

        @MemberSetter
        public native ModelParams stream_path(int v);

        @MemberSetter
        public native ModelParams stream_slots(int v);

        @MemberSetter
        public native ModelParams layer_cpu_share(@Cast("const float*") FloatPointer v);

        @MemberSetter
        public native ModelParams split_threads(int v);
    }
}
