#include "model/model.h"

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
        file_.prefetch(t.offset, t.size);
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
                          std::span<const int32_t> layer_tier) {
    const WeightBinder binder(table, file);
    LlamaWeights w;
    w.token_embd = binder.bind(SL_ROLE_TOKEN_EMBD, -1, SL_TIER_RESIDENT);
    w.output_norm = binder.bind(SL_ROLE_OUTPUT_NORM, -1, SL_TIER_RESIDENT);
    w.output = hp.tied_output ? w.token_embd : binder.bind(SL_ROLE_OUTPUT, -1, SL_TIER_RESIDENT);
    if (table.find(SL_ROLE_ROPE_FREQS, -1)) w.rope_freqs = binder.bind(SL_ROLE_ROPE_FREQS, -1, SL_TIER_RESIDENT);
    w.layers.reserve(static_cast<size_t>(hp.n_layer));
    for (int32_t layer = 0; layer < hp.n_layer; ++layer) {
        const sl_tier tier = layer_tier.empty() ? SL_TIER_RESIDENT : static_cast<sl_tier>(layer_tier[layer]);
        w.layers.push_back(binder.bind_layer(layer, tier));
    }
    return w;
}

const sl_hparams& checked(const sl_hparams& hp) {
    validate_hparams(hp);
    return hp;
}

}  // namespace

Model::Model(const char* path, const sl_hparams& hp, std::span<const sl_tensor_desc> tensors,
             std::span<const int32_t> layer_tier, std::unique_ptr<Backend> backend)
    : hparams_(checked(hp)), file_(path), backend_(std::move(backend)) {
    const TensorTable table(hp, tensors, file_.size(), [this](sl_type type) { return backend_->supports(type); });
    weights_ = bind_weights(hp, table, file_, layer_tier);
}

}  // namespace sl::model
