// A loaded Llama model: hyperparameters, the source of its weight bytes, the weights of every layer as the
// backend addresses them, and the backend that runs it.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "core/backend.h"
#include "io/weight_source.h"
#include "sluice/sluice.h"

namespace sl::model {

struct LayerWeights {
    WeightRef attn_norm, attn_q, attn_k, attn_v, attn_output;
    WeightRef ffn_norm, ffn_gate, ffn_up, ffn_down;
};

struct LlamaWeights {
    WeightRef token_embd;
    WeightRef output_norm;
    WeightRef output;  // token_embd itself when the output is tied
    std::optional<WeightRef> rope_freqs;
    std::vector<LayerWeights> layers;
};

class Model {
public:
    // Checks hparams, tier plan and tensors against the source and the backend (raises on the first
    // problem), then loads the resident weights from the source. layer_tier: n_layer sl_tier
    // values, or null for all resident. progress: see sl_model_params.load_progress.
    Model(std::unique_ptr<io::WeightSource> source, const sl_hparams& hp, std::span<const sl_tensor_desc> tensors,
          const int32_t* layer_tier, std::unique_ptr<Backend> backend, uint64_t* progress = nullptr);

    const sl_hparams& hparams() const { return hparams_; }
    const LlamaWeights& weights() const { return weights_; }
    Backend& backend() { return *backend_; }
    const Backend& backend() const { return *backend_; }
    // Sessions of one model share its backend (thread pool, scratch); they decode one at a time.
    std::mutex& decode_mutex() { return decode_mutex_; }

private:
    sl_hparams hparams_;
    std::unique_ptr<io::WeightSource> source_;
    std::unique_ptr<Backend> backend_;
    LlamaWeights weights_;
    std::mutex decode_mutex_;
};

}  // namespace sl::model

// The C ABI's opaque handle is the model itself.
struct sl_model final : sl::model::Model {
    using sl::model::Model::Model;
};
