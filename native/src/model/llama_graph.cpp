#include "model/llama_graph.h"

#include <algorithm>
#include <cmath>

namespace sl::model {
namespace {

// Bounds the logits scratch (rows * n_vocab floats) while reading the output matrix only once per
// this many rows when every token's logits are wanted.
constexpr int64_t kMaxLogitRows = 64;

}  // namespace

LlamaGraph::LlamaGraph(Model& model, int32_t max_batch)
    : model_(model),
      backend_(model.backend()),
      max_batch_(max_batch),
      logit_rows_(std::min<int64_t>(kMaxLogitRows, max_batch)),
      rope_{model.hparams().n_rot, model.hparams().head_dim, model.hparams().rope_freq_base,
            model.hparams().rope_freq_scale,
            model.weights().rope_freqs ? &*model.weights().rope_freqs : nullptr},
      attention_{model.hparams().n_head, model.hparams().n_head_kv, model.hparams().head_dim,
                 1.0f / std::sqrt(static_cast<float>(model.hparams().head_dim))},
      hidden_(backend_, max_batch, model.hparams().n_embd),
      normed_(backend_, max_batch, model.hparams().n_embd),
      q_(backend_, max_batch, int64_t{model.hparams().n_head} * model.hparams().head_dim),
      k_(backend_, max_batch, int64_t{model.hparams().n_head_kv} * model.hparams().head_dim),
      v_(backend_, max_batch, int64_t{model.hparams().n_head_kv} * model.hparams().head_dim),
      attn_out_(backend_, max_batch, int64_t{model.hparams().n_head} * model.hparams().head_dim),
      gate_(backend_, max_batch, model.hparams().n_ff),
      up_(backend_, max_batch, model.hparams().n_ff),
      logits_(backend_, logit_rows_, model.hparams().n_vocab) {}

void LlamaGraph::decode(std::span<const int32_t> tokens, KvCache& kv, float* logits, bool all_logits) {
    const int64_t n_vocab = model_.hparams().n_vocab;
    const int32_t n_total = static_cast<int32_t>(tokens.size());
    for (int32_t start = 0; start < n_total; start += max_batch_) {
        const int32_t n_tok = std::min(max_batch_, n_total - start);
        forward_batch(tokens.data() + start, n_tok, kv.used() + start, kv);
        if (!logits) continue;
        if (all_logits) project_logits(0, n_tok, logits + start * n_vocab);
        else if (start + n_tok == n_total) project_logits(n_tok - 1, 1, logits);
    }
}

void LlamaGraph::forward_batch(const int32_t* tokens, int32_t n_tok, int32_t pos0, KvCache& kv) {
    backend_.embed(model_.weights().token_embd, tokens, hidden_.first(n_tok));
    const std::vector<LayerWeights>& layers = model_.weights().layers;
    for (size_t il = 0; il < layers.size(); ++il)
        run_layer(layers[il], n_tok, pos0, kv.layer(static_cast<int32_t>(il)));
}

void LlamaGraph::run_layer(const LayerWeights& w, int32_t n_tok, int32_t pos0, const KvLayer& kv) {
    const float eps = model_.hparams().rms_eps;
    const Activations x = hidden_.first(n_tok), xn = normed_.first(n_tok);
    const Activations q = q_.first(n_tok), k = k_.first(n_tok), v = v_.first(n_tok);
    const Activations attn = attn_out_.first(n_tok), gate = gate_.first(n_tok), up = up_.first(n_tok);

    backend_.rms_norm(x, w.attn_norm, eps, xn);
    backend_.matmul(w.attn_q, xn, q);
    backend_.matmul(w.attn_k, xn, k);
    backend_.matmul(w.attn_v, xn, v);
    backend_.rope(q, rope_, pos0);
    backend_.rope(k, rope_, pos0);
    backend_.attention(attention_, q, k, v, kv, pos0, attn);
    backend_.matmul(w.attn_output, attn, xn);
    backend_.add(x, xn);

    backend_.rms_norm(x, w.ffn_norm, eps, xn);
    backend_.matmul(w.ffn_gate, xn, gate);
    backend_.matmul(w.ffn_up, xn, up);
    backend_.swiglu(gate, up, gate);
    backend_.matmul(w.ffn_down, gate, xn);
    backend_.add(x, xn);
}

void LlamaGraph::project_logits(int64_t first, int64_t n_rows, float* host) {
    const LlamaWeights& w = model_.weights();
    const int64_t n_vocab = model_.hparams().n_vocab;
    for (int64_t done = 0; done < n_rows; done += logit_rows_) {
        const int64_t n = std::min(logit_rows_, n_rows - done);
        const Activations x = hidden_.rows(first + done, n);
        const Activations xn = normed_.first(n);
        backend_.rms_norm(x, w.output_norm, model_.hparams().rms_eps, xn);
        backend_.matmul(w.output, xn, logits_.first(n));
        backend_.read(logits_.first(n), host + done * n_vocab);
    }
}

}  // namespace sl::model
