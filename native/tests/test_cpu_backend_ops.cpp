// Every CPU backend op against its double-precision reference on random inputs, at sizes that run
// inline and sizes that go through the thread pool.
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "cpu/cpu_backend.h"
#include "cpu/quant/quant.h"
#include "reference_ops.h"

using sl::Activations;
using sl::WeightRef;
using sltest::ref::Vec;

namespace {

std::mt19937 rng(1234);

// A batch in backend memory filled from host floats.
struct Batch {
    std::unique_ptr<sl::BackendBuffer> memory;
    Activations act;

    Batch(sl::Backend& backend, int64_t n_tok, int64_t width, const std::vector<float>& values = {})
        : memory(backend.allocate(static_cast<size_t>(n_tok * width))), act{memory->data(), n_tok, width} {
        if (!values.empty()) std::memcpy(act.data, values.data(), values.size() * sizeof(float));
    }
    Vec row(int64_t t) const { return Vec(act.data + t * act.width, act.data + (t + 1) * act.width); }
};

WeightRef f32_weight(const std::vector<float>& w, int64_t cols) {
    return WeightRef{w.data(), SL_TYPE_F32, cols, static_cast<int64_t>(w.size()) / cols, SL_TIER_RESIDENT};
}

void check_row(const Batch& b, int64_t t, const Vec& want, double rel_tol) {
    const double err = sltest::ref::relative_error(b.act.data + t * b.act.width, want.data(), want.size());
    CHECK(err < rel_tol);
    if (err >= rel_tol) std::printf("  row %lld: relative error %.3g\n", static_cast<long long>(t), err);
}

void rms_norm_matches(sl::Backend& backend, int64_t n_tok, int64_t width) {
    const std::vector<float> x = sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * width), -2, 2);
    const std::vector<float> w = sltest::ref::random_floats(rng, static_cast<size_t>(width), 0.5f, 1.5f);
    Batch in(backend, n_tok, width, x), out(backend, n_tok, width);
    backend.rms_norm(in.act, f32_weight(w, width), 1e-5f, out.act);
    for (int64_t t = 0; t < n_tok; ++t) check_row(out, t, sltest::ref::rms_norm(in.row(t), w.data(), 1e-5), 1e-6);
}

// rel_tol: 1e-5 for float activations; the 8-bit activation path rounds x too (about 1%).
void matmul_matches(sl::Backend& backend, sl_type type, int64_t rows, int64_t cols, int64_t n_tok, double rel_tol) {
    const std::vector<float> w = sltest::ref::random_floats(rng, static_cast<size_t>(rows * cols), -1, 1);
    std::vector<uint8_t> stored(sl::row_bytes(type, cols) * static_cast<uint64_t>(rows));
    std::vector<float> exact(w.size());  // the weights as stored (F16 rounds them)
    for (int64_t r = 0; r < rows; ++r) {
        uint8_t* row = stored.data() + r * sl::row_bytes(type, cols);
        sl::cpu::quantize_row(type, w.data() + r * cols, row, cols);
        sl::cpu::dequantize_row(type, row, exact.data() + r * cols, cols);
    }
    Batch x(backend, n_tok, cols, sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * cols), -1, 1));
    Batch y(backend, n_tok, rows);
    backend.matmul(WeightRef{stored.data(), type, cols, rows, SL_TIER_RESIDENT}, x.act, y.act);
    for (int64_t t = 0; t < n_tok; ++t) check_row(y, t, sltest::ref::matvec(exact.data(), rows, x.row(t)), rel_tol);
}

void rope_matches(sl::Backend& backend, int64_t n_tok, bool with_factors) {
    const int head_dim = 16, n_rot = 12, n_head = 3, pos0 = 7;
    const float base = 10000.0f, scale = 0.25f;
    const std::vector<float> factors = sltest::ref::random_floats(rng, n_rot / 2, 1.0f, 8.0f);
    const WeightRef factor_ref = f32_weight(factors, n_rot / 2);
    Batch x(backend, n_tok, n_head * head_dim,
            sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * n_head * head_dim), -1, 1));
    std::vector<Vec> want;
    for (int64_t t = 0; t < n_tok; ++t) {
        want.push_back(x.row(t));
        sltest::ref::rope(want.back(), {head_dim, n_rot, base, scale, with_factors ? factors.data() : nullptr},
                          pos0 + static_cast<int>(t));
    }
    backend.rope(x.act, sl::RopeParams{n_rot, head_dim, base, scale, with_factors ? &factor_ref : nullptr}, pos0);
    for (int64_t t = 0; t < n_tok; ++t) check_row(x, t, want[static_cast<size_t>(t)], 1e-6);
}

// Two calls: a prefill of 5 tokens, then 3 tokens that also see the cached ones.
void attention_matches(sl::Backend& backend) {
    const int n_head = 4, n_head_kv = 2, head_dim = 16, n_ctx = 12;
    const sl::AttentionShape shape{n_head, n_head_kv, head_dim, 1.0f / std::sqrt(16.0f)};
    const int64_t kv_width = n_head_kv * head_dim;
    Batch cache_k(backend, n_ctx, kv_width), cache_v(backend, n_ctx, kv_width);
    const sl::KvLayer kv{cache_k.act.data, cache_v.act.data, n_ctx, kv_width};
    std::vector<Vec> keys, values;
    for (int pos0 : {0, 5}) {
        const int64_t n_tok = pos0 == 0 ? 5 : 3;
        auto random = [&](int64_t width) { return sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * width), -2, 2); };
        Batch q(backend, n_tok, n_head * head_dim, random(n_head * head_dim));
        Batch k(backend, n_tok, kv_width, random(kv_width)), v(backend, n_tok, kv_width, random(kv_width));
        Batch out(backend, n_tok, n_head * head_dim);
        backend.attention(shape, q.act, k.act, v.act, kv, pos0, out.act);
        for (int64_t t = 0; t < n_tok; ++t) {
            keys.push_back(k.row(t));
            values.push_back(v.row(t));
            check_row(out, t, sltest::ref::attention(q.row(t), keys, values, n_head, n_head_kv, head_dim), 1e-6);
        }
    }
}

void swiglu_and_add_match(sl::Backend& backend, int64_t n_tok, int64_t width) {
    const size_t n = static_cast<size_t>(n_tok * width);
    Batch gate(backend, n_tok, width, sltest::ref::random_floats(rng, n, -4, 4));
    Batch up(backend, n_tok, width, sltest::ref::random_floats(rng, n, -4, 4));
    std::vector<Vec> want_swiglu, want_sum;
    for (int64_t t = 0; t < n_tok; ++t) {
        want_swiglu.push_back(sltest::ref::swiglu(gate.row(t), up.row(t)));
        want_sum.push_back(want_swiglu.back());
        for (size_t i = 0; i < want_sum.back().size(); ++i) want_sum.back()[i] += up.row(t)[i];
    }
    backend.swiglu(gate.act, up.act, gate.act);
    for (int64_t t = 0; t < n_tok; ++t) check_row(gate, t, want_swiglu[static_cast<size_t>(t)], 1e-6);
    backend.add(gate.act, up.act);
    for (int64_t t = 0; t < n_tok; ++t) check_row(gate, t, want_sum[static_cast<size_t>(t)], 1e-6);
}

void embed_dequantizes_rows(sl::Backend& backend) {
    const int64_t n_vocab = 10, width = 32;
    const std::vector<float> table = sltest::ref::random_floats(rng, static_cast<size_t>(n_vocab * width), -1, 1);
    std::vector<_Float16> half(table.size());
    sl::cpu::quantize_row(SL_TYPE_F16, table.data(), half.data(), static_cast<int64_t>(table.size()));
    const int32_t tokens[] = {3, 9, 0, 3};
    Batch out(backend, 4, width);
    backend.embed(WeightRef{half.data(), SL_TYPE_F16, width, n_vocab, SL_TIER_RESIDENT}, tokens, out.act);
    for (int64_t t = 0; t < 4; ++t)
        for (int64_t i = 0; i < width; ++i)
            CHECK_EQ(out.act.data[t * width + i], static_cast<float>(half[static_cast<size_t>(tokens[t] * width + i)]));
}

}  // namespace

int main() {
    for (bool q8 : {false, true}) {
        sl::cpu::CpuBackend backend({3, q8});
        CHECK_EQ(backend.n_threads(), 3);
        const double rel_tol = q8 ? 2e-2 : 1e-5;
        for (sl_type type : {SL_TYPE_F32, SL_TYPE_F16}) {
            matmul_matches(backend, type, 70, 96, 1, rel_tol);
            matmul_matches(backend, type, 70, 96, 5, rel_tol);
        }
    }
    sl::cpu::CpuBackend backend({3, false});
    rms_norm_matches(backend, 1, 100);
    rms_norm_matches(backend, 40, 1024);
    for (bool factors : {false, true}) {
        rope_matches(backend, 4, factors);
        rope_matches(backend, 800, factors);
    }
    attention_matches(backend);
    swiglu_and_add_match(backend, 1, 100);
    swiglu_and_add_match(backend, 40, 1024);
    embed_dequantizes_rows(backend);
    CHECK(backend.supports(SL_TYPE_F16));
    CHECK(!backend.supports(static_cast<sl_type>(99)));
    return sltest::finish("test_cpu_backend_ops");
}
