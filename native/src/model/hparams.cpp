#include "model/hparams.h"

#include <cmath>

#include "core/status.h"

namespace sl::model {
namespace {

void require_positive(int32_t value, const char* field) {
    if (value <= 0) raise(SL_ERR_FORMAT, "hparams.%s = %d: must be positive", field, value);
}

void require_positive_finite(float value, const char* field) {
    if (!(value > 0.0f) || !std::isfinite(value))
        raise(SL_ERR_FORMAT, "hparams.%s = %g: must be a positive finite number", field, static_cast<double>(value));
}

}  // namespace

void validate_hparams(const sl_hparams& hp) {
    require_positive(hp.n_vocab, "n_vocab");
    require_positive(hp.n_embd, "n_embd");
    require_positive(hp.n_layer, "n_layer");
    require_positive(hp.n_head, "n_head");
    require_positive(hp.n_head_kv, "n_head_kv");
    require_positive(hp.n_ff, "n_ff");
    require_positive(hp.head_dim, "head_dim");
    require_positive(hp.n_rot, "n_rot");
    if (hp.n_ctx_train < 0) raise(SL_ERR_FORMAT, "hparams.n_ctx_train = %d: must not be negative", hp.n_ctx_train);
    if (hp.n_embd % hp.n_head != 0)
        raise(SL_ERR_FORMAT, "hparams.n_head = %d does not divide n_embd = %d", hp.n_head, hp.n_embd);
    if (hp.head_dim != hp.n_embd / hp.n_head)
        raise(SL_ERR_FORMAT, "hparams.head_dim = %d, but a Llama head has n_embd / n_head = %d dimensions", hp.head_dim,
              hp.n_embd / hp.n_head);
    if (hp.n_head % hp.n_head_kv != 0)
        raise(SL_ERR_FORMAT, "hparams.n_head_kv = %d does not divide n_head = %d", hp.n_head_kv, hp.n_head);
    if (hp.n_rot % 2 != 0 || hp.n_rot > hp.head_dim)
        raise(SL_ERR_FORMAT, "hparams.n_rot = %d: must be even and at most head_dim = %d", hp.n_rot, hp.head_dim);
    require_positive_finite(hp.rope_freq_base, "rope_freq_base");
    require_positive_finite(hp.rope_freq_scale, "rope_freq_scale");
    require_positive_finite(hp.rms_eps, "rms_eps");
    if (hp.tied_output != 0 && hp.tied_output != 1)
        raise(SL_ERR_FORMAT, "hparams.tied_output = %d: must be 0 or 1", hp.tied_output);
}

}  // namespace sl::model
