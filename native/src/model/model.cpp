#include "model/model.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "formats/types.h"
#include "model/hparams.h"
#include "model/tensor_table.h"

namespace sl::model {
namespace {

// Norms are tiny and every token needs them: they stay resident whatever their layer's tier.
bool stays_resident(int32_t role) { return role == SL_ROLE_ATTN_NORM || role == SL_ROLE_FFN_NORM; }

// Binds table entries to their bytes in the weight source and marks where the weights live.
// Streamed tiers get no address: the executor points them at the staging slot before each use.
class WeightBinder {
public:
    WeightBinder(const TensorTable& table, const io::WeightSource& source) : table_(table), source_(source) {}

    WeightRef bind(sl_tensor_role role, int32_t layer, sl_tier tier) const {
        const sl_tensor_desc& t = *table_.find(role, layer);
        if (stays_resident(role)) tier = SL_TIER_RESIDENT;
        const void* data = tier == SL_TIER_RESIDENT ? source_.at(t.offset) : nullptr;
        return WeightRef{data, static_cast<sl_type>(t.type), t.ne[0], t.ne[1], tier};
    }

    LayerWeights bind_layer(int32_t layer, sl_tier tier) const {
        auto w = [&](sl_tensor_role role) { return bind(role, layer, tier); };
        return LayerWeights{w(SL_ROLE_ATTN_NORM), w(SL_ROLE_ATTN_Q),   w(SL_ROLE_ATTN_K),
                            w(SL_ROLE_ATTN_V),    w(SL_ROLE_ATTN_OUTPUT), w(SL_ROLE_FFN_NORM),
                            w(SL_ROLE_FFN_GATE),  w(SL_ROLE_FFN_UP),   w(SL_ROLE_FFN_DOWN)};
    }

private:
    const TensorTable& table_;
    const io::WeightSource& source_;
};

// The roles of a layer's matrices, in LayerMatrix order (that of the layouts' tensor_offsets).
constexpr std::array<sl_tensor_role, kLayerMatrices> kStreamedRoles{SL_ROLE_ATTN_Q,   SL_ROLE_ATTN_K, SL_ROLE_ATTN_V,
                                                       SL_ROLE_ATTN_OUTPUT, SL_ROLE_FFN_GATE, SL_ROLE_FFN_UP,
                                                       SL_ROLE_FFN_DOWN};

// Reads within this of each other are merged: one request costs more than the bytes between.
constexpr uint64_t kMergeGapBytes = uint64_t{1} << 20;
// A read of a streamed layer that does not finish in this long is an error, not a hang.
constexpr int kReadTimeoutMs = 60'000;
// The largest CPU share of a split layer: the device keeps some rows of every matrix.
constexpr float kMaxCpuShare = 0.95f;
// The CPU's rows of a split matrix come in multiples of this, so its threads share whole cache lines.
constexpr int64_t kSplitRowGrain = 16;

// Brings the bytes of every resident tensor (whole-model tensors, resident layers and every
// layer's norms) into memory, as few ranges as possible.
void load_resident(io::WeightSource& source, std::span<const sl_tensor_desc> tensors,
                   const std::vector<sl_tier>& layer_tiers) {
    std::vector<io::ByteRange> ranges;
    for (const sl_tensor_desc& t : tensors) {
        if (t.layer >= 0 && layer_tiers[static_cast<size_t>(t.layer)] != SL_TIER_RESIDENT && !stays_resident(t.role))
            continue;
        ranges.push_back({t.offset, t.offset + t.size});
    }
    std::sort(ranges.begin(), ranges.end(), [](const io::ByteRange& a, const io::ByteRange& b) { return a.begin < b.begin; });
    std::vector<io::ByteRange> merged;
    for (const io::ByteRange& r : ranges) {
        if (!merged.empty() && r.begin <= merged.back().end + kMergeGapBytes) merged.back().end = std::max(merged.back().end, r.end);
        else merged.push_back(r);
    }
    source.load_resident(merged);
}

LlamaWeights bind_weights(const sl_hparams& hp, const TensorTable& table, const io::WeightSource& source,
                          const std::vector<sl_tier>& layer_tiers) {
    const WeightBinder binder(table, source);
    LlamaWeights w;
    w.token_embd = binder.bind(SL_ROLE_TOKEN_EMBD, -1, SL_TIER_RESIDENT);
    w.output_norm = binder.bind(SL_ROLE_OUTPUT_NORM, -1, SL_TIER_RESIDENT);
    if (!hp.tied_output) w.output = binder.bind(SL_ROLE_OUTPUT, -1, SL_TIER_RESIDENT);
    if (table.find(SL_ROLE_ROPE_FREQS, -1)) w.rope_freqs = binder.bind(SL_ROLE_ROPE_FREQS, -1, SL_TIER_RESIDENT);
    w.layers.reserve(static_cast<size_t>(hp.n_layer));
    for (int32_t layer = 0; layer < hp.n_layer; ++layer) {
        w.layers.push_back(binder.bind_layer(layer, layer_tiers[static_cast<size_t>(layer)]));
    }
    return w;
}

// Hands every resident weight to the backend, which places it where its kernels read (VRAM on
// CUDA) and rebinds its address; a tied output then shares the placed embedding.
void place_resident(LlamaWeights& w, bool tied_output, Backend& backend, uint64_t* progress) {
    std::vector<WeightRef*> refs{&w.token_embd, &w.output_norm};
    if (!tied_output) refs.push_back(&w.output);
    if (w.rope_freqs) refs.push_back(&*w.rope_freqs);
    for (LayerWeights& l : w.layers)
        for (WeightRef* r : {&l.attn_norm, &l.attn_q, &l.attn_k, &l.attn_v, &l.attn_output, &l.ffn_norm, &l.ffn_gate,
                             &l.ffn_up, &l.ffn_down})
            if (r->tier == SL_TIER_RESIDENT) refs.push_back(r);
    std::vector<WeightUpload> uploads;
    uploads.reserve(refs.size());
    for (WeightRef* r : refs)
        uploads.push_back({static_cast<const uint8_t*>(r->data), row_bytes(r->type, r->cols) * uint64_t(r->rows), &r->data});
    backend.upload_weights(uploads, progress);
    if (tied_output) w.output = w.token_embd;
}

const sl_hparams& checked(const sl_hparams& hp) {
    validate_hparams(hp);
    return hp;
}

const char* tier_name(int32_t tier) {
    switch (tier) {
        case SL_TIER_RESIDENT: return "resident";
        case SL_TIER_PINNED: return "pinned";
        default: return "storage";
    }
}

std::vector<sl_tier> checked_tiers(const int32_t* layer_tier, int32_t n_layer, const Backend& backend) {
    std::vector<sl_tier> tiers(static_cast<size_t>(n_layer), SL_TIER_RESIDENT);
    for (int32_t layer = 0; layer_tier && layer < n_layer; ++layer) {
        const int32_t tier = layer_tier[layer];
        if (tier < SL_TIER_RESIDENT || tier > SL_TIER_STORAGE)
            raise(SL_ERR_INVALID_ARGUMENT, "layer_tier[%d] = %d is not an sl_tier", layer, tier);
        if (!backend.runs_tier(static_cast<sl_tier>(tier)))
            raise(SL_ERR_UNSUPPORTED, "layer_tier[%d] = %d (%s): the %s backend cannot run layers from that tier", layer,
                  tier, tier_name(tier), backend.name());
        tiers[static_cast<size_t>(layer)] = static_cast<sl_tier>(tier);
    }
    return tiers;
}

}  // namespace

Model::Model(std::unique_ptr<io::WeightSource> source, const sl_hparams& hp, std::span<const sl_tensor_desc> tensors,
             const int32_t* layer_tier, std::unique_ptr<Backend> backend, StreamOptions stream, uint64_t* progress)
    : hparams_(checked(hp)), source_(std::move(source)), backend_(std::move(backend)) {
    const TensorTable table(hp, tensors, source_->size(), [this](sl_type type) { return backend_->supports(type); });
    const std::vector<sl_tier> tiers = checked_tiers(layer_tier, hp.n_layer, *backend_);
    load_resident(*source_, tensors, tiers);
    weights_ = bind_weights(hp, table, *source_, tiers);
    place_resident(weights_, hp.tied_output != 0, *backend_, progress);
    start_streaming(tiers, table, stream, progress);
}

// Lays out every streamed layer, fills tier B from the file, and starts the pipeline that carries
// them through the device slots, all streamed layers in layer order.
void Model::start_streaming(const std::vector<sl_tier>& tiers, const TensorTable& table, StreamOptions& options,
                            uint64_t* progress) {
    stream_index_.assign(tiers.size(), -1);
    std::vector<int32_t> streamed, pinned;
    bool any_split = false;
    for (size_t il = 0; il < tiers.size(); ++il) {
        if (tiers[il] != SL_TIER_RESIDENT) streamed.push_back(static_cast<int32_t>(il));
        const float share = options.cpu_share ? options.cpu_share[il] : 0.0f;
        if (!(share >= 0.0f && share <= kMaxCpuShare))
            raise(SL_ERR_INVALID_ARGUMENT, "layer_cpu_share[%zu] = %g is not in [0, %g]", il, share, kMaxCpuShare);
        if (share > 0 && tiers[il] != SL_TIER_PINNED)
            raise(SL_ERR_INVALID_ARGUMENT, "layer_cpu_share[%zu] = %g: only layers of tier B (pinned) are split", il, share);
        any_split |= share > 0;
    }
    if (streamed.empty()) return;
    if (any_split) {
        if (!options.split_cpu) raise(SL_ERR_INTERNAL, "split layers without a CPU backend to compute them");
        split_cpu_ = std::move(options.split_cpu);
        split_.resize(tiers.size());
    }
    if (options.path < SL_STREAM_AUTO || options.path > SL_STREAM_NVME)
        raise(SL_ERR_INVALID_ARGUMENT, "stream_path = %d is not an sl_stream_path", options.path);

    layouts_.reserve(streamed.size());
    for (int32_t il : streamed) {
        std::array<stream::FileSpan, kStreamedRoles.size()> spans;
        for (size_t t = 0; t < spans.size(); ++t) {
            const sl_tensor_desc& d = *table.find(kStreamedRoles[t], il);
            spans[t] = {d.offset, d.size};
        }
        layouts_.push_back(stream::lay_out_layer(spans, source_->size()));
    }
    std::vector<const stream::LayerLayout*> pinned_layouts;
    for (size_t i = 0; i < streamed.size(); ++i) {
        if (tiers[static_cast<size_t>(streamed[i])] != SL_TIER_PINNED) continue;
        pinned.push_back(streamed[i]);
        pinned_layouts.push_back(&layouts_[i]);
    }
    if (!pinned.empty())
        pinned_ = std::make_unique<stream::PinnedTier>(*backend_, source_->fill_reader(), pinned_layouts, pinned,
                                                       kReadTimeoutMs, progress);
    const bool any_storage = pinned.size() < streamed.size();
    std::vector<stream::StreamedLayer> order;
    for (size_t i = 0, b = 0; i < streamed.size(); ++i) {
        const auto il = static_cast<size_t>(streamed[i]);
        const bool is_pinned = tiers[il] == SL_TIER_PINNED;
        order.push_back({streamed[i], &layouts_[i], is_pinned ? pinned_->layer(b++) : nullptr, {}, {}});
        const float share = options.cpu_share ? options.cpu_share[il] : 0.0f;
        if (share > 0) plan_split(i, streamed[i], share, order.back().pinned, order.back());
        stream_index_[il] = static_cast<int32_t>(i);
    }
    streamer_ = std::make_unique<stream::LayerStreamer>(*backend_, std::move(order),
                                                        any_storage ? &source_->stream_reader(options.path) : nullptr,
                                                        options.slots, kReadTimeoutMs);
}

// Of each matrix, the CPU takes the last share of its rows (whole grains); the device's rows are a
// prefix of the tensor, so only that prefix is copied to the slot by default.
void Model::plan_split(size_t i, int32_t il, float share, const uint8_t* pinned, stream::StreamedLayer& streamed) {
    const LayerWeights& w = weights_.layers[static_cast<size_t>(il)];
    SplitLayer split{};
    for (int m = 0; m < kLayerMatrices; ++m) {
        const WeightRef& ref = w.*kLayerMatrixMembers[m];
        const int64_t host_rows = static_cast<int64_t>(share * static_cast<float>(ref.rows)) / kSplitRowGrain * kSplitRowGrain;
        const int64_t device_rows = ref.rows - host_rows;
        const uint64_t row = row_bytes(ref.type, ref.cols), offset = layouts_[i].tensor_offsets[static_cast<size_t>(m)];
        split.device_rows[static_cast<size_t>(m)] = device_rows;
        split.host[static_cast<size_t>(m)] = {pinned + offset + device_rows * row, ref.type, ref.cols, host_rows, SL_TIER_PINNED};
        streamed.partial.push_back({offset, device_rows * row});
        streamed.rest.push_back({offset + device_rows * row, host_rows * row});
    }
    split_[static_cast<size_t>(il)] = split;
}

const LayerWeights& Model::begin_layer(size_t il, bool whole) {
    const int32_t index = stream_index_.empty() ? -1 : stream_index_[il];
    if (index < 0) return weights_.layers[il];
    const uint8_t* slot = streamer_->acquire(static_cast<size_t>(index), whole);
    const stream::LayerLayout& layout = layouts_[static_cast<size_t>(index)];
    bound_ = weights_.layers[il];
    for (size_t m = 0; m < kLayerMatrixMembers.size(); ++m)
        (bound_.*kLayerMatrixMembers[m]).data = slot + layout.tensor_offsets[m];
    return bound_;
}

void Model::end_layer(size_t il) {
    const int32_t index = stream_index_.empty() ? -1 : stream_index_[il];
    if (index >= 0) streamer_->release(static_cast<size_t>(index));
}

}  // namespace sl::model
