#include "model/model.h"

#include <vector>

#include "core/status.h"
#include "model/hparams.h"
#include "model/tensor_table.h"

namespace sl::model {
namespace {

// Binds table entries to their bytes in the mapping and marks where the weights live.
class WeightBinder {
public:
    WeightBinder(const TensorTable& table, const io::MappedFile& file) : table_(table), file_(file) {}

    WeightRef bind(sl_tensor_role role, int32_t layer, sl_tier tier) const {
        const sl_tensor_desc& t = *table_.find(role, layer);
        // Resident weights are read every token: start paging them in now.
        if (tier == SL_TIER_RESIDENT) file_.prefetch(t.offset, t.size);
        return WeightRef{file_.data() + t.offset, static_cast<sl_type>(t.type), t.ne[0], t.ne[1], tier};
    }

    LayerWeights bind_layer(int32_t layer, sl_tier tier) const {
        auto w = [&](sl_tensor_role role) { return bind(role, layer, tier); };
        return LayerWeights{w(SL_ROLE_ATTN_NORM), w(SL_ROLE_ATTN_Q),   w(SL_ROLE_ATTN_K),
                            w(SL_ROLE_ATTN_V),    w(SL_ROLE_ATTN_OUTPUT), w(SL_ROLE_FFN_NORM),
                            w(SL_ROLE_FFN_GATE),  w(SL_ROLE_FFN_UP),   w(SL_ROLE_FFN_DOWN)};
    }

private:
    const TensorTable& table_;
    const io::MappedFile& file_;
};

LlamaWeights bind_weights(const sl_hparams& hp, const TensorTable& table, const io::MappedFile& file,
                          const std::vector<sl_tier>& layer_tiers) {
    const WeightBinder binder(table, file);
    LlamaWeights w;
    w.token_embd = binder.bind(SL_ROLE_TOKEN_EMBD, -1, SL_TIER_RESIDENT);
    w.output_norm = binder.bind(SL_ROLE_OUTPUT_NORM, -1, SL_TIER_RESIDENT);
    w.output = hp.tied_output ? w.token_embd : binder.bind(SL_ROLE_OUTPUT, -1, SL_TIER_RESIDENT);
    if (table.find(SL_ROLE_ROPE_FREQS, -1)) w.rope_freqs = binder.bind(SL_ROLE_ROPE_FREQS, -1, SL_TIER_RESIDENT);
    w.layers.reserve(static_cast<size_t>(hp.n_layer));
    for (int32_t layer = 0; layer < hp.n_layer; ++layer) {
        w.layers.push_back(binder.bind_layer(layer, layer_tiers[static_cast<size_t>(layer)]));
    }
    return w;
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

Model::Model(const char* path, const sl_hparams& hp, std::span<const sl_tensor_desc> tensors,
             const int32_t* layer_tier, std::unique_ptr<Backend> backend)
    : hparams_(checked(hp)), file_(path), backend_(std::move(backend)) {
    const TensorTable table(hp, tensors, file_.size(), [this](sl_type type) { return backend_->supports(type); });
    weights_ = bind_weights(hp, table, file_, checked_tiers(layer_tier, hp.n_layer, *backend_));
}

}  // namespace sl::model
