#include "cpu/cpu_backend.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "core/status.h"
#include "cpu/cpu_info.h"
#include "cpu/quant/quant.h"

namespace sl::cpu {
namespace {

// Below this many floats an elementwise op is cheaper on one thread than a pool dispatch.
constexpr int64_t kInlineElements = 1 << 15;
// Weight rows handed out together, so threads do not share cache lines of the output (16 floats:
// one line, the buffers start on one).
constexpr int64_t kRowGrain = 16;

// Zero-filled memory whose data starts on a cache line, so threads writing neighbouring pieces of
// an output never share one. Device memory comes from calloc: large blocks come zeroed from mmap,
// so untouched KV cache rows cost no memory. "Pinned" memory (streamed layers and their staging)
// starts on a page instead, as O_DIRECT reads need.
class CpuBuffer final : public BackendBuffer {
public:
    CpuBuffer(size_t bytes, MemoryKind kind, uint64_t& in_use)
        : align_(kind == MemoryKind::kPinned ? kPage : kCacheLine), raw_(std::calloc(bytes + align_, 1)), bytes_(bytes),
          in_use_(in_use) {
        if (!raw_) raise(SL_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of host memory", bytes);
        const auto at = reinterpret_cast<uintptr_t>(raw_);
        data_ = reinterpret_cast<void*>((at + align_ - 1) / align_ * align_);
        in_use_ += bytes_;
    }
    ~CpuBuffer() override {
        std::free(raw_);
        in_use_ -= bytes_;
    }
    void* data() override { return data_; }
    size_t bytes() const override { return bytes_; }

private:
    static constexpr uintptr_t kCacheLine = 64;
    static constexpr uintptr_t kPage = 4096;
    uintptr_t align_;
    void* raw_;
    void* data_;
    size_t bytes_;
    uint64_t& in_use_;
};

const uint8_t* weight_row(const WeightRef& w, int64_t row) {
    return static_cast<const uint8_t*>(w.data) + row * row_bytes(w.type, w.cols);
}

// Eight independent partial sums let the compiler vectorize without reassociating floats.
float dot(const float* a, const float* b, int64_t n) {
    float part[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) part[j] += a[i + j] * b[i + j];
    float sum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

// out = softmax(scale * q.K[0..n_pos)) . V[0..n_pos) for one query head.
void attend_one(const float* q, const float* k, const float* v, int64_t kv_stride, int32_t n_pos, int32_t head_dim,
                float scale, float* scores, float* out) {
    float max_score = -INFINITY;
    for (int32_t j = 0; j < n_pos; ++j) {
        scores[j] = scale * dot(q, k + j * kv_stride, head_dim);
        max_score = std::fmax(max_score, scores[j]);
    }
    float sum = 0.0f;
    for (int32_t j = 0; j < n_pos; ++j) {
        scores[j] = std::exp(scores[j] - max_score);
        sum += scores[j];
    }
    std::fill(out, out + head_dim, 0.0f);
    for (int32_t j = 0; j < n_pos; ++j) {
        const float p = scores[j] / sum;
        const float* vj = v + j * kv_stride;
        for (int32_t d = 0; d < head_dim; ++d) out[d] += p * vj[d];
    }
}

int default_threads() { return probe_cpu().physical_cores; }

}  // namespace

CpuBackend::CpuBackend(const CpuBackendOptions& options)
    : activation_q8_(options.activation_q8),
      pool_(options.n_threads > 0 ? options.n_threads : default_threads()),
      attention_scores_(static_cast<size_t>(pool_.size())) {}

bool CpuBackend::supports(sl_type type) const {
    const TypeTraits* traits = type_traits(type);
    return traits && traits->is_weight_type;
}

std::unique_ptr<BackendBuffer> CpuBackend::allocate(size_t bytes, MemoryKind kind) {
    return std::make_unique<CpuBuffer>(bytes, kind, memory_in_use_);
}

void CpuBackend::copy_in(void* dst, const void* pinned, size_t bytes, Queue) { std::memcpy(dst, pinned, bytes); }

void CpuBackend::copy_out(void* pinned, const void* src, size_t bytes) { std::memcpy(pinned, src, bytes); }

void CpuBackend::upload_weights(std::span<const WeightUpload> uploads, uint64_t* progress) {
    uint64_t bytes = 0;
    for (const WeightUpload& u : uploads) {
        *u.target = u.host;
        bytes += u.bytes;
    }
    if (progress) std::atomic_ref<uint64_t>(*progress).store(bytes, std::memory_order_relaxed);
}

void CpuBackend::begin_window(const int32_t* tokens, int32_t n, int32_t pos0) {
    window_tokens_.assign(tokens, tokens + n);
    window_pos0_ = pos0;
}

std::unique_ptr<RecordedWork> CpuBackend::record(std::function<void()> work) {
    return std::make_unique<ReplayedCall>(std::move(work));
}

template <class Fn>
void CpuBackend::for_rows(const Activations& x, Fn&& fn) {
    if (x.n_tok == 1 || x.n_tok * x.width < kInlineElements) {
        fn(int64_t{0}, x.n_tok);
        return;
    }
    pool_.parallel_for(x.n_tok, 1, [&](int64_t t0, int64_t t1, int) { fn(t0, t1); });
}

void CpuBackend::embed(const WeightRef& table, int64_t row0, Activations out) {
    const int32_t* tokens = window_tokens_.data() + row0;
    for_rows(out, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t)
            dequantize_row(table.type, weight_row(table, tokens[t]), out.data + t * out.width, table.cols);
    });
}

void CpuBackend::rms_norm(Activations x, const WeightRef& weight, float eps, Activations out) {
    const auto* w = static_cast<const float*>(weight.data);
    for_rows(x, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            const float* xt = x.data + t * x.width;
            float* ot = out.data + t * out.width;
            double sum_sq = 0.0;
            for (int64_t i = 0; i < x.width; ++i) sum_sq += static_cast<double>(xt[i]) * xt[i];
            const float inv_rms = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(x.width) + eps));
            for (int64_t i = 0; i < x.width; ++i) ot[i] = xt[i] * inv_rms * w[i];
        }
    });
}

void CpuBackend::matmul(const WeightRef& w, Activations x, Activations y, bool accumulate) {
    if (!w.data) raise(SL_ERR_INTERNAL, "CPU matmul reached a streamed weight (tier %d) not bound to its slot", w.tier);
    if (accumulate) {
        product_.resize(static_cast<size_t>(y.n_tok * y.width));
        const Activations product{product_.data(), y.n_tok, y.width};
        matmul(w, x, product, false);
        // Only the w.rows outputs of each row were written (a split matrix's first rows).
        if (w.rows == y.width) add(y, product);
        else
            for (int64_t t = 0; t < y.n_tok; ++t)
                add({y.data + t * y.width, 1, w.rows}, {product_.data() + t * y.width, 1, w.rows});
        return;
    }
    if (activation_q8_ && activation_type(w.type) != SL_TYPE_F32) {
        matmul_q8(w, x, y);
        return;
    }
    pool_.parallel_for(w.rows, kRowGrain, [&](int64_t r0, int64_t r1, int) {
        matmul_rows(w.type, w.data, w.cols, x.data, x.width, x.n_tok, y.data, y.width, r0, r1);
    });
}

// Quantizes the batch once, then every thread multiplies its weight rows by the quantized rows.
void CpuBackend::matmul_q8(const WeightRef& w, Activations x, Activations y) {
    const sl_type act = activation_type(w.type);
    const uint64_t act_row_bytes = row_bytes(act, w.cols);
    const size_t needed = static_cast<size_t>(act_row_bytes * x.n_tok);
    if (quantized_activations_.size() < needed) quantized_activations_.resize(needed);
    uint8_t* xq = quantized_activations_.data();
    for_rows(x, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) quantize_activations(act, x.data + t * x.width, xq + t * act_row_bytes, w.cols);
    });
    pool_.parallel_for(w.rows, kRowGrain, [&](int64_t r0, int64_t r1, int) {
        matmul_rows_q8(w.type, w.data, w.cols, xq, static_cast<int64_t>(act_row_bytes), x.n_tok, y.data, y.width, r0, r1);
    });
}

void CpuBackend::rope_rows(Activations x, const RopeParams& p, int64_t row0) {
    const int64_t pos0 = window_pos0_ + row0;
    const auto* factors = p.freq_factors ? static_cast<const float*>(p.freq_factors->data) : nullptr;
    const int64_t n_head = x.width / p.head_dim;
    for_rows(x, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            float* row = x.data + t * x.width;
            // theta_i = pos * scale * base^(-2i/n_rot): one pow per row, then a product per pair.
            const double theta_step = std::pow(static_cast<double>(p.freq_base), -2.0 / p.n_rot);
            double theta_base = static_cast<double>(pos0 + t) * p.freq_scale;
            for (int32_t i = 0; i < p.n_rot / 2; ++i, theta_base *= theta_step) {
                const double theta = factors ? theta_base / factors[i] : theta_base;
                const float c = static_cast<float>(std::cos(theta));
                const float s = static_cast<float>(std::sin(theta));
                for (int64_t h = 0; h < n_head; ++h) {
                    float* pair = row + h * p.head_dim + 2 * i;
                    const float x0 = pair[0], x1 = pair[1];
                    pair[0] = x0 * c - x1 * s;
                    pair[1] = x0 * s + x1 * c;
                }
            }
        }
    });
}

void CpuBackend::attention(const AttentionShape& shape, const RopeParams& rope, Activations q, Activations k,
                           Activations v, const KvLayer& kv, int64_t row0, Activations out) {
    if (kv.type != SL_TYPE_F32) raise(SL_ERR_INTERNAL, "the CPU attends over F32 KV caches, not type %d", kv.type);
    if (rope.n_rot > 0) {
        rope_rows(q, rope, row0);
        rope_rows(k, rope, row0);
    }
    const int32_t pos0 = window_pos0_ + static_cast<int32_t>(row0);
    float* const cache_k = static_cast<float*>(kv.k);
    float* const cache_v = static_cast<float*>(kv.v);
    for (int64_t t = 0; t < k.n_tok; ++t) {
        std::memcpy(cache_k + (pos0 + t) * kv.width, k.data + t * k.width, static_cast<size_t>(kv.width) * sizeof(float));
        std::memcpy(cache_v + (pos0 + t) * kv.width, v.data + t * v.width, static_cast<size_t>(kv.width) * sizeof(float));
    }
    const size_t max_positions = static_cast<size_t>(pos0 + q.n_tok);
    for (std::vector<float>& scores : attention_scores_)
        if (scores.size() < max_positions) scores.resize(max_positions);

    const int32_t group = shape.n_head / shape.n_head_kv;
    const int64_t n_tasks = q.n_tok * shape.n_head;  // one per (token, query head)
    pool_.parallel_for(n_tasks, 1, [&](int64_t first, int64_t last, int thread) {
        float* scores = attention_scores_[static_cast<size_t>(thread)].data();
        for (int64_t task = first; task < last; ++task) {
            const int64_t t = task / shape.n_head;
            const int32_t h = static_cast<int32_t>(task % shape.n_head);
            const int64_t kv_offset = static_cast<int64_t>(h / group) * shape.head_dim;
            attend_one(q.data + t * q.width + h * shape.head_dim, cache_k + kv_offset, cache_v + kv_offset, kv.width,
                       pos0 + static_cast<int32_t>(t) + 1, shape.head_dim, shape.scale, scores,
                       out.data + t * out.width + h * shape.head_dim);
        }
    });
}

void CpuBackend::swiglu(Activations gate, Activations up, Activations out) {
    for_rows(gate, [&](int64_t t0, int64_t t1) {
        for (int64_t i = t0 * gate.width; i < t1 * gate.width; ++i) {
            const float g = gate.data[i];
            out.data[i] = g / (1.0f + std::exp(-g)) * up.data[i];
        }
    });
}

void CpuBackend::add(Activations dst, Activations src) {
    for_rows(dst, [&](int64_t t0, int64_t t1) {
        for (int64_t i = t0 * dst.width; i < t1 * dst.width; ++i) dst.data[i] += src.data[i];
    });
}

void CpuBackend::top_k(Activations x, int k, int32_t* ids, float* values) {
    std::vector<int32_t>& order = top_k_order_;  // kept: this runs for every sampled token
    order.resize(static_cast<size_t>(x.width));
    std::iota(order.begin(), order.end(), 0);
    // NaN ranks below every number (the sampler never picks it), which keeps the order strict.
    const auto key = [&](int32_t i) { return std::isnan(x.data[i]) ? -INFINITY : x.data[i]; };
    const auto first = [&](int32_t a, int32_t b) { return key(a) > key(b) || (key(a) == key(b) && a < b); };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), first);
    for (int i = 0; i < k; ++i) {
        ids[i] = order[static_cast<size_t>(i)];
        values[i] = x.data[ids[i]];
    }
}

void CpuBackend::read(Activations x, float* host) {
    std::memcpy(host, x.data, static_cast<size_t>(x.n_tok * x.width) * sizeof(float));
}

void CpuBackend::write(Activations x, const float* host) {
    std::memcpy(x.data, host, static_cast<size_t>(x.n_tok * x.width) * sizeof(float));
}

}  // namespace sl::cpu
