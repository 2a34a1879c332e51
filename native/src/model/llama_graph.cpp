#include "model/llama_graph.h"

#include <algorithm>
#include <cmath>

namespace sl::model {
namespace {

// Bounds the logits scratch (rows * n_vocab floats) while reading the output matrix only once per
// this many rows when every token's logits are wanted.
constexpr int64_t kMaxLogitRows = 64;

}  // namespace

LlamaGraph::LlamaGraph(Model& model, int32_t max_window, int32_t max_batch)
    : model_(model),
      backend_(model.backend()),
      max_window_(max_window),
      max_batch_(std::min(max_batch, max_window)),
      logit_rows_(std::min<int64_t>(kMaxLogitRows, max_batch_)),
      rope_{model.hparams().n_rot, model.hparams().head_dim, model.hparams().rope_freq_base,
            model.hparams().rope_freq_scale,
            model.weights().rope_freqs ? &*model.weights().rope_freqs : nullptr},
      attention_{model.hparams().n_head, model.hparams().n_head_kv, model.hparams().head_dim,
                 1.0f / std::sqrt(static_cast<float>(model.hparams().head_dim))},
      hidden_(backend_, max_window, model.hparams().n_embd),
      normed_(backend_, max_batch_, model.hparams().n_embd),
      q_(backend_, max_batch_, int64_t{model.hparams().n_head} * model.hparams().head_dim),
      k_(backend_, max_batch_, int64_t{model.hparams().n_head_kv} * model.hparams().head_dim),
      v_(backend_, max_batch_, int64_t{model.hparams().n_head_kv} * model.hparams().head_dim),
      attn_out_(backend_, max_batch_, int64_t{model.hparams().n_head} * model.hparams().head_dim),
      gate_(backend_, max_batch_, model.hparams().n_ff),
      up_(backend_, max_batch_, model.hparams().n_ff),
      logits_(backend_, logit_rows_, model.hparams().n_vocab) {
    const sl_hparams& hp = model.hparams();
    const int64_t q_width = int64_t{hp.n_head} * hp.head_dim, kv_width = int64_t{hp.n_head_kv} * hp.head_dim;
    if (Backend* cpu = model.split_backend())
        split_ = std::make_unique<SplitMatmul>(backend_, *cpu, std::max<int64_t>({hp.n_embd, hp.n_ff, q_width}),
                                               std::max<int64_t>({q_width + 2 * kv_width, 2 * int64_t{hp.n_ff}, hp.n_embd}),
                                               model.split_time());
}

void LlamaGraph::decode(std::span<const int32_t> tokens, KvCache& kv, const DecodeOutput& out) {
    const int64_t n_vocab = model_.hparams().n_vocab;
    const int32_t n_total = static_cast<int32_t>(tokens.size());
    for (int32_t start = 0; start < n_total; start += max_window_) {
        const int32_t n_win = std::min(max_window_, n_total - start);
        const bool last_window = start + n_win == n_total;
        backend_.begin_window(tokens.data() + start, n_win, kv.used() + start);
        if (n_win == 1 && !out.all_logits && !model_.streams()) {
            // The same kernels with the same arguments every token: recorded once, then replayed.
            if (!token_step_ || recorded_for_ != &kv) {
                token_step_ = backend_.record([this, &kv] {
                    forward_window(1, kv);
                    project(0, 1);
                });
                recorded_for_ = &kv;
            }
            token_step_->run();
            if (last_window) hand_back_last(logits_.first(1), out);
            continue;
        }
        forward_window(n_win, kv);
        if (out.all_logits && out.logits) project_logits(0, n_win, out.logits + start * n_vocab);
        else if (last_window && out.wants_last_row()) hand_back_last(project(n_win - 1, 1), out);
    }
}

void LlamaGraph::forward_window(int32_t n_tok, KvCache& kv) {
    backend_.embed(model_.weights().token_embd, 0, hidden_.first(n_tok));
    for (size_t il = 0; il < model_.weights().layers.size(); ++il) {
        const KvLayer kv_layer = kv.layer(static_cast<int32_t>(il));
        // A split layer shares a single token's matmuls with the CPU; batches take the whole layer.
        const LayerWeights& layer = model_.begin_layer(il, n_tok > 1);
        const SplitLayer* split = n_tok == 1 ? model_.split_layer(il) : nullptr;
        for (int64_t row0 = 0; row0 < n_tok; row0 += max_batch_)
            run_layer(layer, split, row0, std::min<int64_t>(max_batch_, n_tok - row0), kv_layer);
        model_.end_layer(il);
    }
}

void LlamaGraph::run_layer(const LayerWeights& w, const SplitLayer* split, int64_t row0, int64_t n_tok,
                           const KvLayer& kv) {
    const float eps = model_.hparams().rms_eps;
    const Activations x = hidden_.rows(row0, n_tok), xn = normed_.first(n_tok);
    const Activations q = q_.first(n_tok), k = k_.first(n_tok), v = v_.first(n_tok);
    const Activations attn = attn_out_.first(n_tok), gate = gate_.first(n_tok), up = up_.first(n_tok);

    backend_.rms_norm(x, w.attn_norm, eps, xn);
    multiply(w, split, xn, {{kAttnQ, q}, {kAttnK, k}, {kAttnV, v}});
    backend_.attention(attention_, rope_, q, k, v, kv, row0, attn);
    multiply(w, split, attn, {{kAttnOutput, x, /*accumulate=*/true}});

    backend_.rms_norm(x, w.ffn_norm, eps, xn);
    multiply(w, split, xn, {{kFfnGate, gate}, {kFfnUp, up}});
    backend_.swiglu(gate, up, gate);
    multiply(w, split, gate, {{kFfnDown, x, /*accumulate=*/true}});
}

void LlamaGraph::multiply(const LayerWeights& w, const SplitLayer* split, Activations x,
                          std::initializer_list<Product> products) {
    if (!split) {
        // Products sharing an input without an accumulate go as one call (one launch on CUDA).
        const Product* p = products.begin();
        const auto m = [&](size_t i) -> const WeightRef& { return w.*kLayerMatrixMembers[p[i].matrix]; };
        if (products.size() == 3) backend_.matmuls(x, {{m(0), p[0].y}, {m(1), p[1].y}, {m(2), p[2].y}});
        else if (products.size() == 2) backend_.matmuls(x, {{m(0), p[0].y}, {m(1), p[1].y}});
        else backend_.matmul(m(0), x, p[0].y, p[0].accumulate);
        return;
    }
    std::array<SplitProduct, kLayerMatrices> parts;
    size_t n = 0;
    for (const Product& p : products) {
        WeightRef device = w.*kLayerMatrixMembers[p.matrix];
        device.rows = split->device_rows[p.matrix];
        parts[n++] = {device, split->host[p.matrix], p.y, p.accumulate};
    }
    split_->run(x, std::span(parts.data(), n));
}

Activations LlamaGraph::project(int64_t first, int64_t n) {
    const LlamaWeights& w = model_.weights();
    const Activations xn = normed_.first(n), logits = logits_.first(n);
    backend_.rms_norm(hidden_.rows(first, n), w.output_norm, model_.hparams().rms_eps, xn);
    backend_.matmul(w.output, xn, logits);
    return logits;
}

void LlamaGraph::hand_back_last(Activations logits, const DecodeOutput& out) {
    if (out.top_k > 0) backend_.top_k(logits, out.top_k, out.ids, out.values);
    else if (out.logits) backend_.read(logits, out.logits);
}

void LlamaGraph::project_logits(int64_t first, int64_t n_rows, float* host) {
    const int64_t n_vocab = model_.hparams().n_vocab;
    for (int64_t done = 0; done < n_rows; done += logit_rows_) {
        const int64_t n = std::min(logit_rows_, n_rows - done);
        backend_.read(project(first + done, n), host + done * n_vocab);
    }
}

}  // namespace sl::model
