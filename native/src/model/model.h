// A loaded Llama model: hyperparameters, the mapped file, the weights of every layer as the
// backend addresses them, and the backend that runs it.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "core/backend.h"
#include "io/mapped_file.h"
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
    // Maps the file and checks hparams, tier plan and tensors against it and the backend (raises on
    // the first problem). layer_tier: n_layer sl_tier values, or null for all resident.
    Model(const char* path, const sl_hparams& hp, std::span<const sl_tensor_desc> tensors,
          const int32_t* layer_tier, std::unique_ptr<Backend> backend);

    const sl_hparams& hparams() const { return hparams_; }
    const LlamaWeights& weights() const { return weights_; }
    Backend& backend() { return *backend_; }
    // Sessions of one model share its backend (thread pool, scratch); they decode one at a time.
    std::mutex& decode_mutex() { return decode_mutex_; }

private:
    sl_hparams hparams_;
    io::MappedFile file_;
    std::unique_ptr<Backend> backend_;
    LlamaWeights weights_;
    std::mutex decode_mutex_;
};

}  // namespace sl::model

// The C ABI's opaque handle is the model itself.
struct sl_model final : sl::model::Model {
    using sl::model::Model::Model;
};
