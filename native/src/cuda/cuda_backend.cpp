// The CUDA backend: the Backend ops as launches of the kernels in ops.h on one stream.
#include "cuda/cuda_backend.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/status.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_devices.h"
#include "cuda/device_memory.h"
#include "cuda/graph_work.h"
#include "cuda/ops.h"
#include "cuda/weight_upload.h"
#include "formats/types.h"

namespace sl::cuda {
namespace {

// Bytes of fp16 weights dequantized at once for a prefill GEMM: bounds that scratch while keeping
// each GEMM large enough to fill the GPU.
constexpr size_t kDequantChunkBytes = size_t{64} << 20;

// A CUDA event, recorded on one stream and waited for by another or by the host.
class CudaFence final : public Fence {
public:
    CudaFence() { SL_CUDA(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming)); }
    ~CudaFence() override { cudaEventDestroy(event_); }
    CudaFence(const CudaFence&) = delete;
    CudaFence& operator=(const CudaFence&) = delete;
    cudaEvent_t event() const { return event_; }

private:
    cudaEvent_t event_ = nullptr;
};

cudaEvent_t event_of(Fence& fence) { return static_cast<CudaFence&>(fence).event(); }

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(int device)
        : device_(device),
          window_host_(device, pinned_in_use_, MemoryKind::kPinned),
          window_device_(device, in_use_),
          xq_(device, in_use_),
          fold_q8_1_(device, in_use_),
          norm_sums_(device, in_use_),
          x_f16_(device, in_use_),
          w_f16_(device, in_use_),
          attention_workspace_(device, in_use_),
          rope_angles_(device, in_use_),
          top_k_workspace_(device, in_use_),
          top_k_device_(device, in_use_),
          top_k_host_(device, pinned_in_use_, MemoryKind::kPinned) {
        SL_CUDA(cudaSetDevice(device));
        SL_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        SL_CUDA(cudaStreamCreateWithFlags(&transfer_stream_, cudaStreamNonBlocking));
        SL_CUDA(cudaStreamCreateWithFlags(&side_stream_, cudaStreamNonBlocking));
        SL_CUDA(cudaEventCreateWithFlags(&window_copied_, cudaEventDisableTiming));
        SL_CUDA(cudaEventCreateWithFlags(&fork_, cudaEventDisableTiming));
        SL_CUDA(cudaEventCreateWithFlags(&join_, cudaEventDisableTiming));
    }
    ~CudaBackend() override {
        cudaStreamSynchronize(transfer_stream_);
        cudaStreamSynchronize(stream_);
        cudaStreamSynchronize(side_stream_);
        cudaEventDestroy(window_copied_);
        cudaEventDestroy(fork_);
        cudaEventDestroy(join_);
        cudaStreamDestroy(side_stream_);
        cudaStreamDestroy(transfer_stream_);
        cudaStreamDestroy(stream_);
    }

    const char* name() const override { return "cuda"; }
    bool supports(sl_type type) const override {
        const TypeTraits* traits = type_traits(type);
        return traits && traits->is_weight_type;
    }
    bool runs_tier(sl_tier) const override { return true; }
    // VRAM and pinned host memory are counted apart: memory_in_use() is the VRAM.
    std::unique_ptr<BackendBuffer> allocate(size_t bytes, MemoryKind kind) override {
        SL_CUDA(cudaSetDevice(device_));
        return std::make_unique<DeviceMemory>(bytes, kind, device_, kind == MemoryKind::kPinned ? pinned_in_use_ : in_use_);
    }
    sl_type kv_type() const override { return SL_TYPE_F16; }
    uint64_t memory_in_use() const override { return in_use_; }

    void upload_weights(std::span<const WeightUpload> uploads, uint64_t* progress) override {
        SL_CUDA(cudaSetDevice(device_));
        weights_.push_back(sl::cuda::upload_weights(uploads, device_, stream_, in_use_, progress));
    }

    void begin_window(const int32_t* tokens, int32_t n, int32_t pos0) override {
        SL_CUDA(cudaSetDevice(device_));
        flush_held();
        const size_t bytes = 2 * static_cast<size_t>(n) * sizeof(int32_t);
        // The pinned staging may still feed the previous window's copy.
        SL_CUDA(cudaEventSynchronize(window_copied_));
        auto* host = static_cast<int32_t*>(window_host_.get(bytes));
        std::memcpy(host, tokens, static_cast<size_t>(n) * sizeof(int32_t));
        for (int32_t i = 0; i < n; ++i) host[n + i] = pos0 + i;
        auto* device = static_cast<int32_t*>(window_device_.get(bytes));
        SL_CUDA(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, stream_));
        SL_CUDA(cudaEventRecord(window_copied_, stream_));
        tokens_ = device;
        positions_ = device + n;
        window_pos0_ = pos0;
        forget_window_caches();
    }

    void embed(const WeightRef& table, int64_t row0, Activations out) override {
        flush_held();
        wrote(out);
        forget_quantized();
        get_rows(table.type, table.data, table.cols, tokens_ + row0, out.n_tok, out.data, out.width, stream_);
    }

    // Batches the decode matmuls take also come out as Q8_1, so Q, K and V (gate and up) need no
    // quantize launch. The norm of a held residual matvec's output goes into that launch.
    void rms_norm(Activations x, const WeightRef& weight, float eps, Activations out) override {
        if (held_.w.data && held_.y.data == x.data && x.n_tok == 1 && out.n_tok == 1 && out.width == x.width)
            return fold_norm(static_cast<const float*>(weight.data), eps, out);
        flush_held();
        settle(x);
        wrote(out);
        cuda::rms_norm(x.data, static_cast<const float*>(weight.data), x.n_tok, x.width, eps, out.data,
                       quantize_beside(out), stream_);
    }

    void matmul(const WeightRef& w, Activations x, Activations y, bool accumulate) override {
        flush_held();
        check_bound(w);
        if (x.n_tok <= kMaxMatvecTokens) {
            if (can_hold(w, x, y, accumulate)) {
                held_ = {w, x, y};
                return;
            }
            const MatvecNorm norm{input_scale(x), {}};
            const MatvecPart part{w.data, w.rows, y.data, y.width};
            matvec_small_batch(w, x, {&part, 1}, accumulate, nullptr, norm);
        } else {
            settle(x);
            gemm_large_batch(w, x, y, accumulate);
        }
        wrote(y);
        if (y.data == quantized_.src) forget_quantized();
    }

    // Decode batches: consecutive products of one type and width as one matvec launch. When that
    // makes several launches (Q4_K_M's Q and K in Q4_K, V in Q6_K), the later ones run on a side
    // stream forked after the input is ready and joined before the next op: a parallel branch of
    // the captured step, so the small V launch (run 7: 4.9 us alone) runs beside Q/K, not after.
    void matmuls(Activations x, std::initializer_list<Product> products) override {
        flush_held();
        for (const Product& p : products) wrote(p.y);
        if (x.n_tok > kMaxMatvecTokens) {
            settle(x);
            return gemm_products(x, products);
        }
        const MatvecNorm norm{input_scale(x), {}};
        struct Group {
            const WeightRef* w;
            MatvecPart parts[kMaxMatvecParts];
            size_t n;
        };
        Group groups[kMaxMatvecParts];
        size_t n_groups = 0;
        bool overwrites_input = false, one_input = true;
        for (const Product& p : products) {
            check_bound(p.w);
            Group* g = n_groups > 0 ? &groups[n_groups - 1] : nullptr;
            if (!g || p.w.type != g->w->type || p.w.cols != g->w->cols || g->n == std::size(g->parts)) {
                // The later launches run beside the first only if all read the same activation copy.
                if (g && (p.w.cols != g->w->cols || matvec_reads_q8_1(p.w.type) != matvec_reads_q8_1(g->w->type)))
                    one_input = false;
                g = &groups[n_groups++];
                *g = {&p.w, {}, 0};
            }
            g->parts[g->n++] = {p.w.data, p.w.rows, p.y.data, p.y.width};
            overwrites_input = overwrites_input || p.y.data == quantized_.src;
        }
        const bool fork = n_groups > 1 && one_input && !overwrites_input;
        if (fork) {
            if (matvec_reads_q8_1(groups[0].w->type)) quantized(x, groups[0].w->cols);  // before the fork
            SL_CUDA(cudaEventRecord(fork_, stream_));
            SL_CUDA(cudaStreamWaitEvent(side_stream_, fork_, 0));
        }
        for (size_t i = 0; i < n_groups; ++i)
            matvec_small_batch(*groups[i].w, x, {groups[i].parts, groups[i].n}, false,
                               fork && i > 0 ? side_stream_ : stream_, norm);
        if (fork) {
            SL_CUDA(cudaEventRecord(join_, side_stream_));
            SL_CUDA(cudaStreamWaitEvent(stream_, join_, 0));
        }
        if (overwrites_input) forget_quantized();
    }

    void attention(const AttentionShape& shape, const RopeParams& rope, Activations q, Activations k, Activations v,
                   const KvLayer& kv, int64_t row0, Activations out) override {
        flush_held();
        for (Activations a : {q, k, v}) settle(a);
        wrote(out);
        forget_quantized();
        if (kv.type != SL_TYPE_F16) raise(SL_ERR_INTERNAL, "the CUDA backend attends over F16 KV caches, not type %d", kv.type);
        auto* k_cache = static_cast<uint16_t*>(kv.k);
        auto* v_cache = static_cast<uint16_t*>(kv.v);
        const AttentionArgs args{shape.n_head, shape.n_head_kv, shape.head_dim, shape.scale, k_cache, v_cache, kv.width};
        const RopeArgs rope_args{rope.n_rot, rope.head_dim, rope.freq_base, rope.freq_scale,
                                 rope.freq_factors ? static_cast<const float*>(rope.freq_factors->data) : nullptr};
        const int32_t* positions = positions_ + row0;
        if (q.n_tok == 1) {
            // Two launches: the first rotates q and k in registers and stores this token's K/V
            // row, the second writes the output projection's Q8_1 input beside its own.
            void* workspace = attention_workspace_.get(attention_decode_workspace_bytes(shape.n_head, shape.head_dim, kv.n_ctx));
            void* out_q8_1 = shape.head_dim % kQ8_1BlockElems == 0 ? quantize_beside(out) : nullptr;
            const float* cs = rope.n_rot > 0 ? window_rope_angles(rope_args, positions) : nullptr;
            attention_decode(args, rope_args, cs, q.data, k.data, v.data, positions, kv.n_ctx, out.data, out_q8_1,
                             workspace, stream_);
            return;
        }
        if (rope.n_rot > 0) cuda::rope(q.data, q.width, k.data, k.width, q.n_tok, rope_args, positions, stream_);
        store_kv(k.data, v.data, k.n_tok, kv.width, positions, k_cache, v_cache, stream_);
        attention_prefill(args, q.data, q.width, q.n_tok, window_pos0_ + static_cast<int32_t>(row0), out.data, out.width,
                          stream_);
    }

    void swiglu(Activations gate, Activations up, Activations out) override {
        flush_held();
        settle(gate);
        settle(up);
        wrote(out);
        cuda::swiglu(gate.data, up.data, gate.n_tok * gate.width, out.data, quantize_beside(out), stream_);
    }

    void add(Activations dst, Activations src) override {
        flush_held();
        settle(dst);
        settle(src);
        wrote(dst);
        forget_quantized();
        cuda::add(dst.data, src.data, dst.n_tok * dst.width, stream_);
    }

    void top_k(Activations x, int k, int32_t* ids, float* values) override {
        flush_held();
        settle(x);
        void* workspace = top_k_workspace_.get(top_k_workspace_bytes(x.width, k));
        const size_t bytes = static_cast<size_t>(k) * (sizeof(int32_t) + sizeof(float));
        auto* device = static_cast<uint8_t*>(top_k_device_.get(bytes));
        auto* device_ids = reinterpret_cast<int32_t*>(device);
        auto* device_values = reinterpret_cast<float*>(device + static_cast<size_t>(k) * sizeof(int32_t));
        cuda::top_k(x.data, x.width, k, device_ids, device_values, workspace, stream_);
        auto* host = static_cast<uint8_t*>(top_k_host_.get(bytes));
        SL_CUDA(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, stream_));
        synchronize();
        std::memcpy(ids, host, static_cast<size_t>(k) * sizeof(int32_t));
        std::memcpy(values, host + static_cast<size_t>(k) * sizeof(int32_t), static_cast<size_t>(k) * sizeof(float));
    }

    void read(Activations x, float* host) override {
        flush_held();
        settle(x);
        SL_CUDA(cudaMemcpyAsync(host, x.data, static_cast<size_t>(x.n_tok * x.width) * sizeof(float),
                                cudaMemcpyDeviceToHost, stream_));
        synchronize();
    }

    void write(Activations x, const float* host) override {
        flush_held();
        wrote(x);
        if (x.data == quantized_.src) forget_quantized();
        SL_CUDA(cudaMemcpyAsync(x.data, host, static_cast<size_t>(x.n_tok * x.width) * sizeof(float),
                                cudaMemcpyHostToDevice, stream_));
        synchronize();
    }

    // A held matvec is issued before the recording starts and at its end, so that it lands inside.
    std::unique_ptr<RecordedWork> record(std::function<void()> work) override {
        auto recorded = [this, work = std::move(work)] {
            work();
            flush_held();
        };
        return std::make_unique<GraphWork>(std::move(recorded), stream_, [this] {
            flush_held();
            forget_window_caches();
        });
    }

    void synchronize() override {
        flush_held();
        SL_CUDA(cudaStreamSynchronize(stream_));
    }

    std::unique_ptr<Fence> make_fence() override {
        SL_CUDA(cudaSetDevice(device_));
        return std::make_unique<CudaFence>();
    }
    // On the compute queue the copy is a kernel reading the pinned memory: a DMA there would wait on
    // the copy engine behind the layer being streamed on the transfer queue (8B split, 3 GiB budget:
    // the host waited ~0.8 ms a layer for the CPU's rows to land).
    void copy_in(void* dst, const void* pinned, size_t bytes, Queue queue) override {
        SL_CUDA(cudaSetDevice(device_));
        if (queue == Queue::kCompute) {
            flush_held();
            if (dst == folded_.out) folded_ = {};
            copy_from_pinned(dst, pinned, bytes, stream_);
        } else {
            SL_CUDA(cudaMemcpyAsync(dst, pinned, bytes, cudaMemcpyHostToDevice, stream_of(queue)));
        }
    }
    void copy_out(void* pinned, const void* src, size_t bytes) override {
        SL_CUDA(cudaSetDevice(device_));
        flush_held();
        if (src == folded_.out) complete_folded_norm();
        SL_CUDA(cudaMemcpyAsync(pinned, src, bytes, cudaMemcpyDeviceToHost, stream_));
    }
    void signal(Fence& fence, Queue queue) override {
        SL_CUDA(cudaSetDevice(device_));
        if (queue == Queue::kCompute) flush_held();
        SL_CUDA(cudaEventRecord(event_of(fence), stream_of(queue)));
    }
    void wait(Fence& fence, Queue queue) override {
        SL_CUDA(cudaSetDevice(device_));
        if (queue == Queue::kCompute) flush_held();
        SL_CUDA(cudaStreamWaitEvent(stream_of(queue), event_of(fence), 0));
    }
    void wait_host(Fence& fence) override { SL_CUDA(cudaEventSynchronize(event_of(fence))); }

private:
    // Where rope_angles last wrote and for what (all null: nothing valid).
    struct RopeAngles {
        const float* cs = nullptr;
        const int32_t* positions = nullptr;
        int32_t n_rot = 0, head_dim = 0;
        float freq_base = 0.0f, freq_scale = 0.0f;
        const float* factors = nullptr;
        bool operator==(const RopeAngles&) const = default;
    };

    // The Q8_1 copy of an activation batch, kept while its source is unchanged: Q, K and V (and gate
    // and up) read the same normed rows, which are then quantized once.
    struct Quantized {
        const float* src = nullptr;
        int64_t n_tok = 0;
        int64_t cols = 0;
        void* q8_1 = nullptr;  // xq_, or fold_q8_1_ after a folded norm
    };

    // RMSNorm folded into the residual matvec before it (ops.h: RmsFold), one kernel boundary less
    // a norm: a one-token matmul that accumulates into the residual is held back until the next op
    // of the compute queue; when that is the norm of its output, both go as one launch. Only the
    // compute thread touches held_ and folded_ (the transfer queue's calls come from another thread).
    // Off with SLUICE_CUDA_FOLD=0.
    struct HeldResidual {
        WeightRef w;
        Activations x{}, y{};
    };
    // A norm output that holds y * weight without its factor 1/rms (sums: the fold's group sums):
    // matvecs reading it apply the factor (RmsScale); any other reader first gets the norm completed.
    struct FoldedNorm {
        float* out = nullptr;
        int64_t width = 0;
        float eps = 0.0f;
        const float* sums = nullptr;
    };

    static bool fold_enabled() {
        static const bool enabled = [] {
            const char* env = std::getenv("SLUICE_CUDA_FOLD");
            return !env || std::strcmp(env, "0") != 0;
        }();
        return enabled;
    }

    bool can_hold(const WeightRef& w, Activations x, Activations y, bool accumulate) const {
        return fold_enabled() && accumulate && x.n_tok == 1 && w.rows == y.width && y.width % kRmsFoldRows == 0 &&
               matvec_folds_norm(w.type, w.cols) && x.data != folded_.out;  // no factor to apply to its own input
    }

    void flush_held() {
        if (!held_.w.data) return;
        const HeldResidual h = held_;
        held_ = {};
        const MatvecPart part{h.w.data, h.w.rows, h.y.data, h.y.width};
        matvec_small_batch(h.w, h.x, {&part, 1}, /*accumulate=*/true);
        wrote(h.y);
        if (h.y.data == quantized_.src) forget_quantized();
    }

    // The held matvec with the norm of its output folded in.
    void fold_norm(const float* weight, float eps, Activations out) {
        const HeldResidual h = held_;
        held_ = {};
        const int64_t width = out.width;
        auto* q8_1 = fold_q8_1_.get(static_cast<size_t>(q8_1_row_bytes(width)));
        auto* sums = static_cast<float*>(norm_sums_.get(static_cast<size_t>(width / kRmsFoldRows) * sizeof(float)));
        wrote(out);
        const MatvecPart part{h.w.data, h.w.rows, h.y.data, h.y.width};
        matvec_small_batch(h.w, h.x, {&part, 1}, /*accumulate=*/true, nullptr, {{}, {weight, out.data, q8_1, sums}});
        folded_ = {out.data, width, eps, sums};
        quantized_ = {out.data, 1, width, q8_1};
    }

    // The norm factor a matvec reading x applies: that of x's folded norm, or none (x settled).
    RmsScale input_scale(Activations x) {
        if (folded_.out && x.data == folded_.out && x.n_tok == 1)
            return {folded_.sums, static_cast<int32_t>(folded_.width / kRmsFoldRows), folded_.eps};
        settle(x);
        return {};
    }

    // Before an op other than a matvec reads x: a folded norm there completed.
    void settle(Activations x) {
        if (folded_.out && x.data == folded_.out) complete_folded_norm();
    }
    void complete_folded_norm() {
        const bool has_q8_1 = quantized_.src == folded_.out;
        rms_apply_scale(folded_.out, folded_.width, folded_.sums, folded_.eps,
                        has_q8_1 ? quantized_.q8_1 : nullptr, stream_);
        folded_ = {};
    }
    // After an op writes dst: a folded norm there is gone.
    void wrote(Activations dst) {
        if (folded_.out && dst.data == folded_.out) folded_ = {};
    }

    void forget_quantized() { quantized_ = {}; }

    // What the ops of one window compute once and reuse (so a captured step holds every launch).
    void forget_window_caches() {
        forget_quantized();
        rope_angles_for_ = {};
    }

    // RoPE's angles at a one-token window's position, computed by its first decode attention and
    // read by every layer's (the layers share RoPE's parameters; other parameters recompute).
    const float* window_rope_angles(const RopeArgs& r, const int32_t* positions) {
        auto* cs = static_cast<float*>(rope_angles_.get(static_cast<size_t>(r.n_rot) * sizeof(float)));
        const RopeAngles want{cs, positions, r.n_rot, r.head_dim, r.freq_base, r.freq_scale, r.factors};
        if (!(rope_angles_for_ == want)) {
            rope_angles(r, positions, cs, stream_);
            rope_angles_for_ = want;
        }
        return cs;
    }

    cudaStream_t stream_of(Queue queue) const { return queue == Queue::kTransfer ? transfer_stream_ : stream_; }

    // Where an op writing `out` should also put its Q8_1 rows (null: the next matmul will not read
    // Q8_1, or the width does not split into blocks), and the record that they are there.
    void* quantize_beside(Activations out) {
        forget_quantized();
        if (out.n_tok > kMaxMatvecTokens || out.width % kQ8_1BlockElems != 0) return nullptr;
        void* xq = xq_.get(static_cast<size_t>(q8_1_row_bytes(out.width) * out.n_tok));
        quantized_ = {out.data, out.n_tok, out.width, xq};
        return xq;
    }

    const void* quantized(Activations x, int64_t cols) {
        if (quantized_.src != x.data || quantized_.n_tok != x.n_tok || quantized_.cols != cols) {
            void* xq = xq_.get(static_cast<size_t>(q8_1_row_bytes(cols) * x.n_tok));
            quantize_q8_1(x.data, x.width, x.n_tok, cols, xq, stream_);
            quantized_ = {x.data, x.n_tok, cols, xq};
        }
        return quantized_.q8_1;
    }

    static void check_bound(const WeightRef& w) {
        if (!w.data) raise(SL_ERR_INTERNAL, "CUDA matmul reached a streamed weight (tier %d) not bound to its slot", w.tier);
    }

    // parts: matrices of w's type and width. On `stream` (the main one unless said), which must
    // follow the quantization when that has already been made on the main one.
    void matvec_small_batch(const WeightRef& w, Activations x, std::span<const MatvecPart> parts, bool accumulate,
                            cudaStream_t stream = nullptr, const MatvecNorm& norm = {}) {
        const void* xq = matvec_reads_q8_1(w.type) ? quantized(x, w.cols) : nullptr;
        matvec(w.type, parts, w.cols, x.data, x.width, xq, static_cast<int>(x.n_tok), accumulate,
               stream ? stream : stream_, norm);
    }

    // Each weight is read once per batch: F32 in fp32, F16 as stored, the others dequantized to fp16
    // in chunks of rows, all on the tensor cores but F32.
    void gemm_large_batch(const WeightRef& w, Activations x, Activations y, bool accumulate) {
        gemm_rows(w, x, w.type == SL_TYPE_F32 ? nullptr : to_f16(x, w.cols), y, accumulate);
    }

    // Prefill products of one input: x converted to fp16 once for all of them, and consecutive F16
    // weights of one width as one grouped GEMM launch (Q, K and V: K and V alone fill a sixth of the SMs).
    void gemm_products(Activations x, std::initializer_list<Product> products) {
        const uint16_t* x16 = nullptr;
        int64_t x16_cols = 0;
        GemmPart group[kMaxGemmParts];
        size_t n = 0;
        const auto flush = [&] {
            if (n > 0) gemm_f16(x16, x16_cols, x.n_tok, {group, n}, x16_cols, false, stream_);
            n = 0;
        };
        for (const Product& p : products) {
            check_bound(p.w);
            if (p.w.type != SL_TYPE_F32 && (!x16 || x16_cols != p.w.cols)) {
                flush();
                x16 = to_f16(x, p.w.cols);
                x16_cols = p.w.cols;
            }
            if (p.w.type != SL_TYPE_F16) {
                flush();
                gemm_rows(p.w, x, x16, p.y, false);
                continue;
            }
            if (n == std::size(group)) flush();
            group[n++] = {static_cast<const uint16_t*>(p.w.data), p.w.cols, p.w.rows, p.y.data, p.y.width};
        }
        flush();
        forget_quantized();  // the products may overwrite the input whose Q8_1 copy is kept
    }

    // x's first `cols` columns as fp16 rows, in scratch that the next conversion reuses.
    const uint16_t* to_f16(Activations x, int64_t cols) {
        auto* x16 = static_cast<uint16_t*>(x_f16_.get(static_cast<size_t>(x.n_tok * cols) * 2));
        convert_f32_to_f16(x.data, x.width, x.n_tok, cols, x16, stream_);
        return x16;
    }

    // y (+)= w x, from x16 = to_f16(x, w.cols) unless w is F32.
    void gemm_rows(const WeightRef& w, Activations x, const uint16_t* x16, Activations y, bool accumulate) {
        if (w.type == SL_TYPE_F32) {
            gemm_f32(x.data, x.width, x.n_tok, static_cast<const float*>(w.data), w.cols, w.rows, w.cols, y.data,
                     y.width, accumulate, stream_);
            return;
        }
        if (w.type == SL_TYPE_F16) {
            gemm_f16(x16, w.cols, x.n_tok, static_cast<const uint16_t*>(w.data), w.cols, w.rows, w.cols, y.data,
                     y.width, accumulate, stream_);
            return;
        }
        const int64_t chunk_rows = std::max<int64_t>(1, static_cast<int64_t>(kDequantChunkBytes / (w.cols * 2)));
        const uint64_t w_row_bytes = row_bytes(w.type, w.cols);
        for (int64_t r0 = 0; r0 < w.rows; r0 += chunk_rows) {
            const int64_t n_rows = std::min(chunk_rows, w.rows - r0);
            auto* w16 = static_cast<uint16_t*>(w_f16_.get(static_cast<size_t>(n_rows * w.cols) * 2));
            dequantize_rows_f16(w.type, static_cast<const uint8_t*>(w.data) + r0 * w_row_bytes, n_rows, w.cols, w16,
                                stream_);
            gemm_f16(x16, w.cols, x.n_tok, w16, w.cols, n_rows, w.cols, y.data + r0, y.width, accumulate, stream_);
        }
    }

    int device_;
    uint64_t in_use_ = 0;
    uint64_t pinned_in_use_ = 0;
    cudaStream_t stream_ = nullptr;
    cudaStream_t transfer_stream_ = nullptr;  // streamed layers' copies, beside compute
    cudaStream_t side_stream_ = nullptr;      // matmuls' later launches, beside the first (joined at once)
    cudaEvent_t window_copied_ = nullptr;
    cudaEvent_t fork_ = nullptr, join_ = nullptr;
    std::vector<std::unique_ptr<DeviceMemory>> weights_;
    GrowingScratch window_host_, window_device_, xq_, fold_q8_1_, norm_sums_, x_f16_, w_f16_, attention_workspace_, rope_angles_,
        top_k_workspace_, top_k_device_, top_k_host_;
    const int32_t* tokens_ = nullptr;
    const int32_t* positions_ = nullptr;
    int32_t window_pos0_ = 0;
    Quantized quantized_;
    HeldResidual held_;
    FoldedNorm folded_;
    RopeAngles rope_angles_for_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(int device) {
    const std::string reason = unavailable_reason();
    if (!reason.empty()) raise(SL_ERR_UNSUPPORTED, "the CUDA backend cannot run here: %s", reason.c_str());
    const int count = static_cast<int>(discover_devices().size());
    if (device < 0 || device >= count)
        raise(SL_ERR_INVALID_ARGUMENT, "CUDA device %d does not exist (%d found)", device, count);
    return std::make_unique<CudaBackend>(device);
}

}  // namespace sl::cuda
