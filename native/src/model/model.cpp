#include "model/model.h"

#include <algorithm>
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

// Brings the bytes of every resident tensor (whole-model tensors and resident layers) into memory.
void load_resident(io::WeightSource& source, std::span<const sl_tensor_desc> tensors,
                   const std::vector<sl_tier>& layer_tiers) {
    uint64_t begin = UINT64_MAX, end = 0;
    for (const sl_tensor_desc& t : tensors) {
        if (t.layer >= 0 && layer_tiers[static_cast<size_t>(t.layer)] != SL_TIER_RESIDENT && !stays_resident(t.role))
            continue;
        begin = std::min(begin, t.offset);
        end = std::max(end, t.offset + t.size);
    }
    if (begin < end) source.load_resident(begin, end);
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
             const int32_t* layer_tier, std::unique_ptr<Backend> backend, uint64_t* progress)
    : hparams_(checked(hp)), source_(std::move(source)), backend_(std::move(backend)) {
    const TensorTable table(hp, tensors, source_->size(), [this](sl_type type) { return backend_->supports(type); });
    const std::vector<sl_tier> tiers = checked_tiers(layer_tier, hp.n_layer, *backend_);
    load_resident(*source_, tensors, tiers);
    weights_ = bind_weights(hp, table, *source_, tiers);
    place_resident(weights_, hp.tied_output != 0, *backend_, progress);
}

}  // namespace sl::model
