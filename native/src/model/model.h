// A loaded Llama model: hyperparameters, the source of its weight bytes, the weights of every layer as the
// backend addresses them, and the backend that runs it.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "core/backend.h"
#include "io/weight_source.h"
#include "model/split_matmul.h"
#include "sluice/sluice.h"
#include "stream/layer_layout.h"
#include "stream/layer_streamer.h"
#include "stream/pinned_tier.h"

namespace sl::model {

class TensorTable;

struct LayerWeights {
    WeightRef attn_norm, attn_q, attn_k, attn_v, attn_output;
    WeightRef ffn_norm, ffn_gate, ffn_up, ffn_down;
};

// A layer's matrices, which stream with it (its norms stay resident).
enum LayerMatrix { kAttnQ, kAttnK, kAttnV, kAttnOutput, kFfnGate, kFfnUp, kFfnDown, kLayerMatrices };
inline constexpr std::array<WeightRef LayerWeights::*, kLayerMatrices> kLayerMatrixMembers{
    &LayerWeights::attn_q,   &LayerWeights::attn_k, &LayerWeights::attn_v,  &LayerWeights::attn_output,
    &LayerWeights::ffn_gate, &LayerWeights::ffn_up, &LayerWeights::ffn_down};

// A split layer: of each matrix, the first device_rows rows are computed by the model's backend and
// the rest (`host`, in the layer's pinned copy) by the CPU backend, for single-token passes.
struct SplitLayer {
    std::array<int64_t, kLayerMatrices> device_rows;
    std::array<WeightRef, kLayerMatrices> host;
};

struct LlamaWeights {
    WeightRef token_embd;
    WeightRef output_norm;
    WeightRef output;  // token_embd itself when the output is tied
    std::optional<WeightRef> rope_freqs;
    std::vector<LayerWeights> layers;
};

// How the layers of tiers B and C travel (sl_model_params' streaming fields).
struct StreamOptions {
    sl_stream_path path = SL_STREAM_AUTO;  // tier C's storage reads
    int32_t slots = 2;                     // device slots in the ring
    const float* cpu_share = nullptr;      // n_layer split shares (tier B layers only), or null
    std::unique_ptr<Backend> split_cpu;    // computes the split shares; needed when any share is > 0
};

class Model {
public:
    // Checks hparams, tier plan and tensors against the source and the backend (raises on the first
    // problem), then loads the resident weights from the source, fills tier B and starts streaming.
    // layer_tier: n_layer sl_tier values, or null for all resident. progress: see
    // sl_model_params.load_progress (resident weights placed, then tier B filled).
    Model(std::unique_ptr<io::WeightSource> source, const sl_hparams& hp, std::span<const sl_tensor_desc> tensors,
          const int32_t* layer_tier, std::unique_ptr<Backend> backend, StreamOptions stream = {},
          uint64_t* progress = nullptr);

    const sl_hparams& hparams() const { return hparams_; }
    const LlamaWeights& weights() const { return weights_; }
    Backend& backend() { return *backend_; }
    const Backend& backend() const { return *backend_; }

    // Whether some layers stream (then a decode step cannot be recorded: it waits on copies).
    bool streams() const { return streamer_ != nullptr; }
    // Layer il's weights for the ops that follow. A streamed layer is bound to the slot its copy
    // arrives in (the compute queue waits for it); end_layer hands the slot back once those ops
    // are issued. Passes go through the layers in order.
    // `whole`: a split layer is wanted whole (batches), not only its device rows (single tokens).
    const LayerWeights& begin_layer(size_t il, bool whole);
    void end_layer(size_t il);
    // Layer il's split, or null when the CPU takes no share of it.
    const SplitLayer* split_layer(size_t il) const {
        return split_.empty() || !split_[il].has_value() ? nullptr : &*split_[il];
    }
    // The CPU backend of the split shares, or null.
    Backend* split_backend() { return split_cpu_.get(); }
    // Where the split passes spent their time (all 0 when no layer is split).
    SplitTime& split_time() { return split_time_; }
    const SplitTime& split_time() const { return split_time_; }
    // Bytes the streaming pipeline has copied to the device so far (0 when nothing streams).
    uint64_t streamed_bytes() const { return streamer_ ? streamer_->copied_bytes() : 0; }
    // Sessions of one model share its backend (thread pool, scratch); they decode one at a time.
    std::mutex& decode_mutex() { return decode_mutex_; }

private:
    sl_hparams hparams_;
    std::unique_ptr<io::WeightSource> source_;
    std::unique_ptr<Backend> backend_;
    LlamaWeights weights_;
    std::mutex decode_mutex_;

    void start_streaming(const std::vector<sl_tier>& tiers, const TensorTable& table, StreamOptions& options,
                         uint64_t* progress);
    // The split of streamed layer i (index into layouts_), its pinned copy at `pinned`.
    void plan_split(size_t i, int32_t il, float share, const uint8_t* pinned, stream::StreamedLayer& streamed);

    // Streaming, torn down before the backend and the source (members go in reverse order).
    std::vector<int32_t> stream_index_;  // per layer: its place in the streaming order, or -1 (resident)
    std::vector<stream::LayerLayout> layouts_;
    std::unique_ptr<stream::PinnedTier> pinned_;
    std::unique_ptr<Backend> split_cpu_;
    std::vector<std::optional<SplitLayer>> split_;  // per layer, when any layer is split
    SplitTime split_time_;
    std::unique_ptr<stream::LayerStreamer> streamer_;
    LayerWeights bound_;  // the streamed layer begun last, bound to its slot
};

}  // namespace sl::model

// The C ABI's opaque handle is the model itself.
struct sl_model final : sl::model::Model {
    using sl::model::Model::Model;
};
