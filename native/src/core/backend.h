// The operations the model graph runs, implemented once per backend (CPU, CUDA). The graph only
// sees this interface: activations and KV caches live in backend memory (host RAM for the CPU,
// VRAM for CUDA) and weights are reached through WeightRef, whatever tier holds them.
//
// Work is issued in order on the backend's one queue (a CUDA stream); only read(), top_k() and
// synchronize() wait for it. Ops address the rows of the current window (begin_window): its tokens
// and positions live in backend memory, so a recorded step replays correctly as positions advance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>

#include "sluice/sluice.h"

namespace sl {

// A weight as the backend reads it: `rows` rows of `cols` elements of `type`. For the resident tier
// `data` is backend-addressable memory (the mapped file on the CPU, VRAM on CUDA); for streamed
// tiers the executor points it at the staging slot that holds the layer before the layer runs.
struct WeightRef {
    const void* data = nullptr;
    sl_type type = SL_TYPE_F32;
    int64_t cols = 0;
    int64_t rows = 0;
    sl_tier tier = SL_TIER_RESIDENT;
};

// A batch of activations in backend memory: n_tok contiguous rows of `width` floats.
struct Activations {
    float* data;
    int64_t n_tok;
    int64_t width;
};

// One layer of the KV cache in backend memory: n_ctx rows of `width` (n_head_kv * head_dim) values
// of `type` (F32 on the CPU, F16 on CUDA) for keys and for values.
struct KvLayer {
    void* k;
    void* v;
    sl_type type;
    int32_t n_ctx;
    int64_t width;
};

struct RopeParams {
    int32_t n_rot;        // rotated dimensions at the start of each head
    int32_t head_dim;
    float freq_base;
    float freq_scale;     // linear scaling: positions are multiplied by it
    const WeightRef* freq_factors;  // n_rot / 2 F32 divisors of each frequency (Llama 3.1), or null
};

struct AttentionShape {
    int32_t n_head;
    int32_t n_head_kv;  // n_head / n_head_kv query heads share each KV head
    int32_t head_dim;
    float scale;
};

enum class MemoryKind {
    kDevice,  // where the backend's kernels read and write (VRAM for CUDA)
    kPinned,  // page-locked host memory the device copies from at full speed (host RAM on the CPU)
};

// Backend memory freed when this object goes.
class BackendBuffer {
public:
    virtual ~BackendBuffer() = default;
    virtual void* data() = 0;
    virtual size_t bytes() const = 0;
};

// Resident weight bytes to make readable by the backend's kernels: *target receives the address the
// kernels use (the host bytes themselves on the CPU; a copy in VRAM on CUDA).
struct WeightUpload {
    const uint8_t* host;
    uint64_t bytes;
    const void** target;
};

// Work captured once and run again (a CUDA graph; on the CPU, the work itself).
class RecordedWork {
public:
    virtual ~RecordedWork() = default;
    virtual void run() = 0;
};

// A point in one of a backend's queues that another queue, or the host, can wait for.
class Fence {
public:
    virtual ~Fence() = default;
};

// The backend's queues: compute runs the ops below; transfer carries streamed weights into backend
// memory at the same time (a second CUDA stream).
enum class Queue { kCompute, kTransfer };

class Backend {
public:
    virtual ~Backend() = default;

    virtual const char* name() const = 0;
    // Whether matmul and embed can read weights of this type.
    virtual bool supports(sl_type type) const = 0;
    // Whether layers placed in this tier can run here.
    virtual bool runs_tier(sl_tier tier) const = 0;
    // Zero-filled backend memory; raises SL_ERR_OUT_OF_MEMORY naming what was asked and what is free.
    virtual std::unique_ptr<BackendBuffer> allocate(size_t bytes, MemoryKind kind = MemoryKind::kDevice) = 0;
    // The element type of the KV caches this backend attends over.
    virtual sl_type kv_type() const = 0;
    // Bytes of backend memory held now (weights, caches, scratch): what `bench` reports as VRAM used.
    virtual uint64_t memory_in_use() const = 0;
    // Places resident weights; *progress (when not null) counts the bytes placed so far, stored
    // atomically for a reader on another thread.
    virtual void upload_weights(std::span<const WeightUpload> uploads, uint64_t* progress = nullptr) = 0;

    // The next rows to run: n host tokens (range-checked) at positions pos0 .. pos0 + n - 1. The ops
    // below take row0, the index in this window of their first row.
    virtual void begin_window(const int32_t* tokens, int32_t n, int32_t pos0) = 0;

    // out row t = dequantized row (token row0 + t) of table.
    virtual void embed(const WeightRef& table, int64_t row0, Activations out) = 0;
    // out = x / sqrt(mean(x^2) + eps) * weight, per row.
    virtual void rms_norm(Activations x, const WeightRef& weight, float eps, Activations out) = 0;
    // y row t = W * x row t, or y row t += W * x row t when accumulate (the residual add folded in).
    virtual void matmul(const WeightRef& w, Activations x, Activations y, bool accumulate = false) = 0;
    // y = w * x for each (w, y) of products that share the input x (Q, K and V; gate and up): one
    // launch on CUDA where the weights share a type; this default is one matmul each.
    struct Product {
        const WeightRef& w;
        Activations y;
    };
    virtual void matmuls(Activations x, std::initializer_list<Product> products) {
        for (const Product& p : products) matmul(p.w, x, p.y);
    }
    // Rotates adjacent pairs of the first rope.n_rot dims of every head of q and of k (row t at the
    // position of window row row0 + t; n_rot 0: no rotation), stores the k, v rows at their
    // positions in kv, then out row t = causal attention of q row t over positions [0, position of
    // row t]. q and k are scratch afterwards: CUDA's decode rotates them in registers, in the same
    // launch as the attention, and leaves the buffers as they were.
    virtual void attention(const AttentionShape& shape, const RopeParams& rope, Activations q, Activations k,
                           Activations v, const KvLayer& kv, int64_t row0, Activations out) = 0;
    // out = silu(gate) * up (out may alias gate).
    virtual void swiglu(Activations gate, Activations up, Activations out) = 0;
    // dst += src.
    virtual void add(Activations dst, Activations src) = 0;
    // The k largest values of the single row x, descending (ties: lower index first), into host
    // ids and values; waits for the work before it.
    virtual void top_k(Activations x, int k, int32_t* ids, float* values) = 0;
    // Copies the rows of x into host memory, after the work before it.
    virtual void read(Activations x, float* host) = 0;
    // Copies host floats into the rows of x.
    virtual void write(Activations x, const float* host) = 0;
    // Records the ops `work` issues so that run() repeats them; the buffers and weights they touch
    // must outlive the recording, and the host values they take must not change between runs.
    virtual std::unique_ptr<RecordedWork> record(std::function<void()> work) = 0;
    // Waits until all issued work is done.
    virtual void synchronize() = 0;

    // ---- Streaming: the transfer queue and fences (callable from a thread other than compute's) ----
    virtual std::unique_ptr<Fence> make_fence() = 0;
    // Copies `bytes` of pinned host memory into backend memory on `queue`, after what it waits for.
    virtual void copy_in(void* dst, const void* pinned, size_t bytes, Queue queue) = 0;
    // Copies `bytes` of backend memory into pinned host memory on the compute queue, after the work
    // before it (signal a fence and wait for it before reading the bytes).
    virtual void copy_out(void* pinned, const void* src, size_t bytes) = 0;
    // Marks the point `queue` has reached: a later wait on the fence waits for the work before it.
    virtual void signal(Fence& fence, Queue queue) = 0;
    // Makes `queue` wait for the fence's point without blocking the host.
    virtual void wait(Fence& fence, Queue queue) = 0;
    // Blocks the host until the fence's point is reached.
    virtual void wait_host(Fence& fence) = 0;
};

// The CPU's recording: nothing to capture, run() calls the work again.
class ReplayedCall final : public RecordedWork {
public:
    explicit ReplayedCall(std::function<void()> work) : work_(std::move(work)) {}
    void run() override { work_(); }

private:
    std::function<void()> work_;
};

}  // namespace sl
