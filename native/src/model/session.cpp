#include "model/session.h"

#include <algorithm>
#include <mutex>

#include "core/status.h"

namespace sl::model {
namespace {

// Tokens per forward batch: bounds the activation scratch; each weight is read once per batch.
constexpr int32_t kMaxBatch = 512;
// Tokens that pass through one layer before the next layer starts (see LlamaGraph): bounds the
// hidden-state scratch (n_embd floats per token).
constexpr int32_t kMaxWindow = 4096;

}  // namespace

Session::Session(Model& model, int32_t n_ctx)
    : model_(model),
      kv_(model.backend(), model.hparams().n_layer, n_ctx,
          int64_t{model.hparams().n_head_kv} * model.hparams().head_dim),
      graph_(model, std::min(n_ctx, kMaxWindow), kMaxBatch) {}

void Session::decode(std::span<const int32_t> tokens, const DecodeOutput& out) {
    const int32_t n_vocab = model_.hparams().n_vocab;
    for (size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || tokens[i] >= n_vocab)
            raise(SL_ERR_INVALID_ARGUMENT, "token %zu is %d, outside the vocabulary [0, %d)", i, tokens[i], n_vocab);
    kv_.check_room(static_cast<int64_t>(tokens.size()));
    std::lock_guard<std::mutex> lock(model_.decode_mutex());
    graph_.decode(tokens, kv_, out);
    kv_.advance(static_cast<int32_t>(tokens.size()));
}

}  // namespace sl::model
