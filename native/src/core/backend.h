// The operations the model graph runs, implemented once per backend (CPU today, CUDA next).
// The graph only sees this interface: activations and KV caches live in backend memory (host RAM
// for the CPU, VRAM for CUDA) and weights are reached through WeightRef, whatever tier holds them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

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

// One layer of the KV cache in backend memory: n_ctx rows of `width` (n_head_kv * head_dim) floats.
struct KvLayer {
    float* k;
    float* v;
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

// Backend memory freed when this object goes.
class BackendBuffer {
public:
    virtual ~BackendBuffer() = default;
    virtual float* data() = 0;
};

class Backend {
public:
    virtual ~Backend() = default;

    virtual const char* name() const = 0;
    // Whether matmul and embed can read weights of this type.
    virtual bool supports(sl_type type) const = 0;
    // Whether layers placed in this tier can run here.
    virtual bool runs_tier(sl_tier tier) const = 0;
    // Zero-filled backend memory for n_floats floats; raises SL_ERR_OUT_OF_MEMORY.
    virtual std::unique_ptr<BackendBuffer> allocate(size_t n_floats) = 0;

    // out row t = dequantized row tokens[t] of table (tokens: host memory, already range-checked).
    virtual void embed(const WeightRef& table, const int32_t* tokens, Activations out) = 0;
    // out = x / sqrt(mean(x^2) + eps) * weight, per row.
    virtual void rms_norm(Activations x, const WeightRef& weight, float eps, Activations out) = 0;
    // y row t = W * x row t.
    virtual void matmul(const WeightRef& w, Activations x, Activations y) = 0;
    // Rotates adjacent pairs of the first n_rot dims of every head of x (row t is at position pos0 + t).
    virtual void rope(Activations x, const RopeParams& params, int32_t pos0) = 0;
    // Stores k, v rows at positions pos0.. of kv, then out row t = causal attention of q row t over
    // positions [0, pos0 + t].
    virtual void attention(const AttentionShape& shape, Activations q, Activations k, Activations v,
                           const KvLayer& kv, int32_t pos0, Activations out) = 0;
    // out = silu(gate) * up (out may alias gate).
    virtual void swiglu(Activations gate, Activations up, Activations out) = 0;
    // dst += src.
    virtual void add(Activations dst, Activations src) = 0;
    // Copies the rows of x into host memory.
    virtual void read(Activations x, float* host) = 0;
};

}  // namespace sl
