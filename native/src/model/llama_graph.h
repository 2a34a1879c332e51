// The Llama forward pass (llama.cpp's LLM_ARCH_LLAMA) expressed as Backend ops: embedding, then per
// layer RMSNorm -> Q/K/V -> RoPE -> grouped-query attention over the KV cache -> output projection
// with the residual added -> RMSNorm -> SwiGLU FFN with the residual added, then the output norm and
// projection.
//
// Prompts run layer-major: every token of a window (up to max_window tokens) passes through layer i,
// in batches of max_batch, before any reaches layer i + 1, so a layer streamed from host memory
// crosses PCIe once per window rather than once per batch. A single-token decode is recorded once
// (a CUDA graph on the GPU) and replayed for every later token, unless layers stream: then each
// step waits on the copies of the streaming pipeline and is issued afresh.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/backend.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "model/split_matmul.h"

namespace sl::model {

// max_rows rows of `width` floats in backend memory, used for batches of up to max_rows tokens.
class BatchBuffer {
public:
    BatchBuffer(Backend& backend, int64_t max_rows, int64_t width)
        : memory_(backend.allocate(static_cast<size_t>(max_rows * width) * sizeof(float))), width_(width) {}
    Activations rows(int64_t first, int64_t n_rows) const {
        return {static_cast<float*>(memory_->data()) + first * width_, n_rows, width_};
    }
    Activations first(int64_t n_rows) const { return rows(0, n_rows); }

private:
    std::unique_ptr<BackendBuffer> memory_;
    int64_t width_;
};

// What a decode hands back for its tokens.
struct DecodeOutput {
    float* logits = nullptr;  // n_vocab floats for the last token, or for every token if all_logits
    bool all_logits = false;
    int top_k = 0;            // > 0: instead of logits, the k best of the last token's, descending
    int32_t* ids = nullptr;
    float* values = nullptr;

    bool wants_last_row() const { return (logits && !all_logits) || top_k > 0; }
};

class LlamaGraph {
public:
    LlamaGraph(Model& model, int32_t max_window, int32_t max_batch);

    // Runs tokens at positions kv.used().. (room already checked) without advancing kv.
    void decode(std::span<const int32_t> tokens, KvCache& kv, const DecodeOutput& out);

private:
    void forward_window(int32_t n_tok, KvCache& kv);
    void run_layer(const LayerWeights& w, const SplitLayer* split, int64_t row0, int64_t n_tok, const KvLayer& kv);
    // y_i (+)= W_i x for products of one input: on the backend, or shared with the CPU for a split layer.
    struct Product {
        LayerMatrix matrix;
        Activations y;
        bool accumulate = false;
    };
    void multiply(const LayerWeights& w, const SplitLayer* split, Activations x, std::initializer_list<Product> products);
    // Output norm and projection of hidden rows [first, first + n) into the logits scratch (n <= logit_rows_).
    Activations project(int64_t first, int64_t n);
    void hand_back_last(Activations logits, const DecodeOutput& out);
    // Output norm and projection of hidden rows [first, first + n_rows) into host memory.
    void project_logits(int64_t first, int64_t n_rows, float* host);

    Model& model_;
    Backend& backend_;
    int32_t max_window_;
    int32_t max_batch_;
    int64_t logit_rows_;  // rows of logits computed per pass over the output matrix
    RopeParams rope_;
    AttentionShape attention_;
    BatchBuffer hidden_, normed_, q_, k_, v_, attn_out_, gate_, up_, logits_;
    std::unique_ptr<SplitMatmul> split_;  // when the model has split layers
    std::unique_ptr<RecordedWork> token_step_;  // one token through every layer and the output projection
    const KvCache* recorded_for_ = nullptr;
};

}  // namespace sl::model
