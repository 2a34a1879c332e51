// The Llama forward pass (llama.cpp's LLM_ARCH_LLAMA) expressed as Backend ops: embedding, then per
// layer RMSNorm -> Q/K/V -> RoPE -> grouped-query attention over the KV cache -> output projection
// -> residual -> RMSNorm -> SwiGLU FFN -> residual, then the output norm and projection.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/backend.h"
#include "model/kv_cache.h"
#include "model/model.h"

namespace sl::model {

// max_rows rows of `width` floats in backend memory, used for batches of up to max_rows tokens.
class BatchBuffer {
public:
    BatchBuffer(Backend& backend, int64_t max_rows, int64_t width)
        : memory_(backend.allocate(static_cast<size_t>(max_rows * width))), width_(width) {}
    Activations rows(int64_t first, int64_t n_rows) const { return {memory_->data() + first * width_, n_rows, width_}; }
    Activations first(int64_t n_rows) const { return rows(0, n_rows); }

private:
    std::unique_ptr<BackendBuffer> memory_;
    int64_t width_;
};

class LlamaGraph {
public:
    // Scratch for batches of up to max_batch tokens; longer inputs run in pieces of that size.
    LlamaGraph(Model& model, int32_t max_batch);

    // Runs tokens at positions kv.used().. (room already checked) without advancing kv. When logits
    // is not null it receives n_vocab floats for the last token, or for every token if all_logits.
    void decode(std::span<const int32_t> tokens, KvCache& kv, float* logits, bool all_logits);

private:
    void forward_batch(const int32_t* tokens, int32_t n_tok, int32_t pos0, KvCache& kv);
    void run_layer(const LayerWeights& w, int32_t n_tok, int32_t pos0, const KvLayer& kv);
    // Output norm and projection of hidden rows [first, first + n_rows) into host memory.
    void project_logits(int64_t first, int64_t n_rows, float* host);

    Model& model_;
    Backend& backend_;
    int32_t max_batch_;
    int64_t logit_rows_;  // rows of logits computed per pass over the output matrix
    RopeParams rope_;
    AttentionShape attention_;
    BatchBuffer hidden_, normed_, q_, k_, v_, attn_out_, gate_, up_, logits_;
};

}  // namespace sl::model
