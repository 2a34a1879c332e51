// Every backend op against its double-precision reference on fresh random inputs: the CPU backend
// always (sizes that run inline and sizes that go through the thread pool), the CUDA backend too
// when a GPU is usable (skipped with a line otherwise). Data enters and leaves backend memory only
// through the Backend interface, so the same checks hold for VRAM.
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "check.h"
#include "core/half.h"
#include "cpu/cpu_backend.h"
#include "cpu/quant/quant.h"
#include "formats/types.h"
#include "reference_ops.h"
#ifdef SLUICE_WITH_CUDA
#include "cuda/cuda_backend.h"
#endif

using sl::Activations;
using sl::WeightRef;
using sltest::ref::Vec;

namespace {

std::mt19937 rng(1234);

const sl_type kAllTypes[] = {SL_TYPE_F32,  SL_TYPE_F16,  SL_TYPE_BF16, SL_TYPE_Q4_0, SL_TYPE_Q4_1,
                             SL_TYPE_Q5_0, SL_TYPE_Q5_1, SL_TYPE_Q8_0, SL_TYPE_Q2_K, SL_TYPE_Q3_K,
                             SL_TYPE_Q4_K, SL_TYPE_Q5_K, SL_TYPE_Q6_K};

bool is_float_type(sl_type t) { return t == SL_TYPE_F32 || t == SL_TYPE_F16 || t == SL_TYPE_BF16; }

// A batch in backend memory filled from host floats.
struct Batch {
    sl::Backend& backend;
    std::unique_ptr<sl::BackendBuffer> memory;
    Activations act;

    Batch(sl::Backend& b, int64_t n_tok, int64_t width, const std::vector<float>& values = {})
        : backend(b),
          memory(b.allocate(static_cast<size_t>(n_tok * width) * sizeof(float))),
          act{static_cast<float*>(memory->data()), n_tok, width} {
        if (!values.empty()) backend.write(act, values.data());
    }
    std::vector<float> host() const {
        std::vector<float> h(static_cast<size_t>(act.n_tok * act.width));
        backend.read(act, h.data());
        return h;
    }
    Vec row(int64_t t) const {
        const std::vector<float> h = host();
        return Vec(h.begin() + t * act.width, h.begin() + (t + 1) * act.width);
    }
};

// Weight bytes as stored in a GGUF file, placed where the backend's kernels read them.
struct Weight {
    std::vector<uint8_t> bytes;
    WeightRef ref;

    Weight(sl::Backend& backend, sl_type type, int64_t rows, int64_t cols, std::vector<uint8_t> stored)
        : bytes(std::move(stored)), ref{bytes.data(), type, cols, rows, SL_TIER_RESIDENT} {
        const sl::WeightUpload upload{bytes.data(), bytes.size(), &ref.data};
        backend.upload_weights({&upload, 1});
    }
};

Weight f32_weight(sl::Backend& backend, const std::vector<float>& w, int64_t cols) {
    std::vector<uint8_t> bytes(w.size() * sizeof(float));
    std::memcpy(bytes.data(), w.data(), bytes.size());
    return Weight(backend, SL_TYPE_F32, static_cast<int64_t>(w.size()) / cols, cols, std::move(bytes));
}

// Random weights of a type and their exact values as stored.
Weight random_weight(sl::Backend& backend, sl_type type, int64_t rows, int64_t cols, std::vector<float>& exact) {
    const std::vector<float> w = sltest::ref::random_floats(rng, static_cast<size_t>(rows * cols), -1, 1);
    const uint64_t row_bytes = sl::row_bytes(type, cols);
    std::vector<uint8_t> stored(row_bytes * static_cast<uint64_t>(rows));
    exact.resize(w.size());
    for (int64_t r = 0; r < rows; ++r) {
        uint8_t* row = stored.data() + r * row_bytes;
        sl::cpu::quantize_row(type, w.data() + r * cols, row, cols);
        sl::cpu::dequantize_row(type, row, exact.data() + r * cols, cols);
    }
    return Weight(backend, type, rows, cols, std::move(stored));
}

double check_rows(const Batch& b, const std::vector<Vec>& want, double rel_tol) {
    const std::vector<float> got = b.host();
    double worst = 0;
    for (size_t t = 0; t < want.size(); ++t) {
        const double err = sltest::ref::relative_error(got.data() + t * b.act.width, want[t].data(), want[t].size());
        worst = std::fmax(worst, std::isnan(err) ? INFINITY : err);
    }
    CHECK(worst < rel_tol);
    if (!(worst < rel_tol)) std::printf("  worst relative error %.3g (tolerance %.3g)\n", worst, rel_tol);
    return worst;
}

void window(sl::Backend& backend, int64_t n_tok, int32_t pos0, const std::vector<int32_t>& tokens = {}) {
    std::vector<int32_t> ids = tokens;
    ids.resize(static_cast<size_t>(n_tok), 0);
    backend.begin_window(ids.data(), static_cast<int32_t>(n_tok), pos0);
}

void rms_norm_matches(sl::Backend& backend, int64_t n_tok, int64_t width) {
    const std::vector<float> x = sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * width), -2, 2);
    const std::vector<float> w = sltest::ref::random_floats(rng, static_cast<size_t>(width), 0.5f, 1.5f);
    Batch in(backend, n_tok, width, x), out(backend, n_tok, width);
    const Weight weight = f32_weight(backend, w, width);
    backend.rms_norm(in.act, weight.ref, 1e-5f, out.act);
    std::vector<Vec> want;
    for (int64_t t = 0; t < n_tok; ++t) want.push_back(sltest::ref::rms_norm(in.row(t), w.data(), 1e-5));
    check_rows(out, want, 1e-6);
}

// The tolerance of a backend's matmul: float math on the stored weights lands near 1e-6; 8-bit
// activations (CPU q8 mode, CUDA decode of quantized types) about 1e-2; fp16 activations (CUDA
// prefill on tensor cores) about 1e-3.
double matmul_tolerance(const sl::Backend& backend, bool cpu_q8, sl_type type, int64_t n_tok) {
    const bool cuda = std::strcmp(backend.name(), "cuda") == 0;
    if (!cuda) return cpu_q8 && !is_float_type(type) ? 2e-2 : 1e-5;
    if (n_tok <= 16) return is_float_type(type) ? 1e-5 : 2e-2;
    return type == SL_TYPE_F32 ? 1e-5 : 4e-3;
}

void matmul_matches(sl::Backend& backend, bool cpu_q8, sl_type type, int64_t rows, int64_t cols, int64_t n_tok,
                    bool accumulate) {
    std::vector<float> exact;
    const Weight w = random_weight(backend, type, rows, cols, exact);
    Batch x(backend, n_tok, cols, sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * cols), -1, 1));
    const std::vector<float> y0 = sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * rows), -1, 1);
    Batch y(backend, n_tok, rows, y0);
    backend.matmul(w.ref, x.act, y.act, accumulate);
    std::vector<Vec> want;
    for (int64_t t = 0; t < n_tok; ++t) {
        want.push_back(sltest::ref::matvec(exact.data(), rows, x.row(t)));
        if (accumulate)
            for (int64_t r = 0; r < rows; ++r) want.back()[static_cast<size_t>(r)] += y0[static_cast<size_t>(t * rows + r)];
    }
    const double err = check_rows(y, want, matmul_tolerance(backend, cpu_q8, type, n_tok));
    std::printf("  matmul %-5s %5lld x %-5lld n_tok %3lld%s: relative error %.2e\n", sl::type_traits(type)->name,
                static_cast<long long>(rows), static_cast<long long>(cols), static_cast<long long>(n_tok),
                accumulate ? " (+=)" : "     ", err);
}

// Products sharing one input (Q, K and V as one call): each output against its own reference,
// every type alike and mixed as in Q4_K_M (V in Q6_K), at batches for the matvec and the GEMM.
void matmuls_match(sl::Backend& backend, const sl_type (&types)[3], int64_t cols, int64_t n_tok) {
    const int64_t rows[3] = {70, 33, 9};
    std::vector<float> exact[3];
    std::vector<Weight> w;
    for (int i = 0; i < 3; ++i) w.push_back(random_weight(backend, types[i], rows[i], cols, exact[i]));
    Batch x(backend, n_tok, cols, sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * cols), -1, 1));
    Batch y0(backend, n_tok, rows[0]), y1(backend, n_tok, rows[1]), y2(backend, n_tok, rows[2]);
    backend.matmuls(x.act, {{w[0].ref, y0.act}, {w[1].ref, y1.act}, {w[2].ref, y2.act}});
    const Batch* ys[3] = {&y0, &y1, &y2};
    double worst = 0;
    for (int i = 0; i < 3; ++i) {
        std::vector<Vec> want;
        for (int64_t t = 0; t < n_tok; ++t) want.push_back(sltest::ref::matvec(exact[i].data(), rows[i], x.row(t)));
        worst = std::fmax(worst, check_rows(*ys[i], want, matmul_tolerance(backend, false, types[i], n_tok)));
    }
    std::printf("  matmuls %s/%s/%s x %lld n_tok %3lld: relative error %.2e\n", sl::type_traits(types[0])->name,
                sl::type_traits(types[1])->name, sl::type_traits(types[2])->name, static_cast<long long>(cols),
                static_cast<long long>(n_tok), worst);
}

// A one-token residual matmul, the RMSNorm of its output and two products reading that (as O, the
// FFN norm, gate and up): CUDA folds the norm into the first launch and the products apply its factor
// (ops.h: RmsFold). The norm's output is read last, which completes the folded norm for that reader.
void residual_norm_matches(sl::Backend& backend, sl_type producer, sl_type consumer) {
    const int64_t width = 512, inner = 2048, rows = 70;
    std::vector<float> w_exact, c_exact, c6_exact;
    const Weight w = random_weight(backend, producer, width, inner, w_exact);
    const Weight c = random_weight(backend, consumer, rows, width, c_exact);
    const Weight c6 = random_weight(backend, SL_TYPE_Q6_K, rows, width, c6_exact);
    const std::vector<float> nw = sltest::ref::random_floats(rng, static_cast<size_t>(width), 0.5f, 1.5f);
    const Weight norm = f32_weight(backend, nw, width);
    const std::vector<float> x0 = sltest::ref::random_floats(rng, static_cast<size_t>(width), -1, 1);
    Batch a(backend, 1, inner, sltest::ref::random_floats(rng, static_cast<size_t>(inner), -1, 1));
    Batch x(backend, 1, width, x0), xn(backend, 1, width), y(backend, 1, rows), y6(backend, 1, rows);
    window(backend, 1, 0);
    backend.matmul(w.ref, a.act, x.act, /*accumulate=*/true);
    backend.rms_norm(x.act, norm.ref, 1e-5f, xn.act);
    backend.matmuls(xn.act, {{c.ref, y.act}, {c6.ref, y6.act}});

    Vec x_want = sltest::ref::matvec(w_exact.data(), width, a.row(0));
    for (int64_t i = 0; i < width; ++i) x_want[static_cast<size_t>(i)] += x0[static_cast<size_t>(i)];
    const Vec xn_want = sltest::ref::rms_norm(x_want, nw.data(), 1e-5);
    const double tol_x = matmul_tolerance(backend, false, producer, 1);
    const double tol_y = 2 * std::fmax(tol_x, matmul_tolerance(backend, false, consumer, 1));
    const double err_y = check_rows(y, {sltest::ref::matvec(c_exact.data(), rows, xn_want)}, tol_y);
    const double err_y6 = check_rows(y6, {sltest::ref::matvec(c6_exact.data(), rows, xn_want)}, 2 * std::fmax(tol_x, 2e-2));
    const double err_x = check_rows(x, {x_want}, tol_x);
    const double err_xn = check_rows(xn, {xn_want}, tol_x);
    std::printf("  residual %-5s -> norm -> %-5s/Q6_K: relative error residual %.2e, norm %.2e, products %.2e / %.2e\n",
                sl::type_traits(producer)->name, sl::type_traits(consumer)->name, err_x, err_xn, err_y, err_y6);
}

// The stored K/V as the backend keeps them (F16 rounds them).
Vec as_cached(const sl::Backend& backend, Vec v) {
    if (backend.kv_type() == SL_TYPE_F16)
        for (double& x : v) x = sl::fp16_to_fp32(sl::fp32_to_fp16(static_cast<float>(x)));
    return v;
}

// Calls of growing position: a prefill of n_first tokens, then single tokens and small batches up
// to n_ctx that also see the cached ones.
// RoPE applied by attention: n_rot 0 for none; factors: random per-frequency divisors (Llama 3.1).
struct RopeCase {
    int n_rot = 0;
    bool factors = false;
};

void attention_matches(sl::Backend& backend, int n_head, int n_head_kv, int head_dim, int n_ctx, int n_first,
                       RopeCase rope = {}) {
    const sl::AttentionShape shape{n_head, n_head_kv, head_dim, 1.0f / std::sqrt(static_cast<float>(head_dim))};
    const float base = 10000.0f, scale = 0.25f;
    const std::vector<float> factors = sltest::ref::random_floats(rng, static_cast<size_t>(std::max(1, rope.n_rot / 2)), 1.0f, 8.0f);
    const Weight factor_ref = f32_weight(backend, factors, static_cast<int64_t>(factors.size()));
    const sl::RopeParams rope_params{rope.n_rot, head_dim, base, scale, rope.factors ? &factor_ref.ref : nullptr};
    const sltest::ref::Rope ref_rope{head_dim, rope.n_rot, base, scale, rope.factors ? factors.data() : nullptr};
    const int64_t kv_width = n_head_kv * head_dim;
    const size_t value_bytes = backend.kv_type() == SL_TYPE_F16 ? 2 : 4;
    auto cache_k = backend.allocate(static_cast<size_t>(n_ctx * kv_width) * value_bytes);
    auto cache_v = backend.allocate(static_cast<size_t>(n_ctx * kv_width) * value_bytes);
    const sl::KvLayer kv{cache_k->data(), cache_v->data(), backend.kv_type(), n_ctx, kv_width};
    // Keys rotated in float and rounded to fp16 may land one fp16 step from the float64 reference's
    // rounding: 2e-5 relative in the output (H200, run 8), so an F16 cache with RoPE gets 1e-4.
    const double tolerance = rope.n_rot > 0 && backend.kv_type() == SL_TYPE_F16 ? 1e-4 : 1e-5;
    std::vector<Vec> keys, values;
    double worst = 0;
    for (int pos0 = 0; pos0 < n_ctx;) {
        const int64_t n_tok = pos0 == 0 ? n_first : std::min(pos0 % 3 + 1, n_ctx - pos0);
        auto random = [&](int64_t width) { return sltest::ref::random_floats(rng, static_cast<size_t>(n_tok * width), -2, 2); };
        Batch q(backend, n_tok, n_head * head_dim, random(n_head * head_dim));
        Batch k(backend, n_tok, kv_width, random(kv_width)), v(backend, n_tok, kv_width, random(kv_width));
        Batch out(backend, n_tok, n_head * head_dim);
        std::vector<Vec> q_rows;
        for (int64_t t = 0; t < n_tok; ++t) {
            Vec qt = q.row(t), kt = k.row(t);
            sltest::ref::rope(qt, ref_rope, pos0 + static_cast<int>(t));
            sltest::ref::rope(kt, ref_rope, pos0 + static_cast<int>(t));
            q_rows.push_back(qt);
            keys.push_back(as_cached(backend, kt));
            values.push_back(as_cached(backend, v.row(t)));
        }
        window(backend, n_tok, pos0);
        backend.attention(shape, rope_params, q.act, k.act, v.act, kv, 0, out.act);
        std::vector<Vec> want;
        for (int64_t t = 0; t < n_tok; ++t) {
            const std::vector<Vec> seen_k(keys.begin(), keys.end() - (n_tok - 1 - t));
            const std::vector<Vec> seen_v(values.begin(), values.end() - (n_tok - 1 - t));
            want.push_back(sltest::ref::attention(q_rows[static_cast<size_t>(t)], seen_k, seen_v, n_head, n_head_kv, head_dim));
        }
        worst = std::fmax(worst, check_rows(out, want, tolerance));
        pos0 += static_cast<int>(n_tok);
    }
    std::printf("  attention heads %d/%d head_dim %d ctx %d rope %d%s: relative error %.2e\n", n_head, n_head_kv,
                head_dim, n_ctx, rope.n_rot, rope.factors ? " (factors)" : "", worst);
}

void swiglu_and_add_match(sl::Backend& backend, int64_t n_tok, int64_t width) {
    const size_t n = static_cast<size_t>(n_tok * width);
    Batch gate(backend, n_tok, width, sltest::ref::random_floats(rng, n, -4, 4));
    Batch up(backend, n_tok, width, sltest::ref::random_floats(rng, n, -4, 4));
    std::vector<Vec> want_swiglu, want_sum;
    for (int64_t t = 0; t < n_tok; ++t) {
        want_swiglu.push_back(sltest::ref::swiglu(gate.row(t), up.row(t)));
        want_sum.push_back(want_swiglu.back());
        const Vec u = up.row(t);
        for (size_t i = 0; i < want_sum.back().size(); ++i) want_sum.back()[i] += u[i];
    }
    backend.swiglu(gate.act, up.act, gate.act);
    check_rows(gate, want_swiglu, 1e-6);
    backend.add(gate.act, up.act);
    check_rows(gate, want_sum, 1e-6);
}

void embed_dequantizes_rows(sl::Backend& backend, sl_type type) {
    const int64_t n_vocab = 10, width = 512;
    std::vector<float> exact;
    const Weight table = random_weight(backend, type, n_vocab, width, exact);
    const std::vector<int32_t> tokens = {3, 9, 0, 3};
    Batch out(backend, 4, width);
    window(backend, 5, 0, {7, 3, 9, 0, 3});
    backend.embed(table.ref, 1, out.act);
    const std::vector<float> got = out.host();
    int wrong = 0;
    for (int64_t t = 0; t < 4; ++t)
        for (int64_t i = 0; i < width; ++i)
            wrong += got[static_cast<size_t>(t * width + i)] != exact[static_cast<size_t>(tokens[t] * width + i)];
    CHECK_EQ(wrong, 0);
}

void top_k_matches(sl::Backend& backend, int64_t n, int k) {
    std::vector<float> x = sltest::ref::random_floats(rng, static_cast<size_t>(n), -10, 10);
    x[static_cast<size_t>(n / 2)] = x[static_cast<size_t>(n / 3)];  // a tie: the lower id comes first
    Batch row(backend, 1, n, x);
    std::vector<int32_t> ids(static_cast<size_t>(k));
    std::vector<float> values(static_cast<size_t>(k));
    backend.top_k(row.act, k, ids.data(), values.data());
    std::vector<int32_t> order(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return x[a] > x[b]; });
    int wrong = 0;
    for (int i = 0; i < k; ++i) wrong += ids[i] != order[i] || values[i] != x[static_cast<size_t>(order[i])];
    CHECK_EQ(wrong, 0);
}

// Pinned host bytes into backend memory on either queue and back, at aligned and odd offsets and
// sizes (on CUDA the compute queue copies with a kernel, the transfer queue with the copy engine).
void copies_round_trip(sl::Backend& backend) {
    const size_t n = 100'003;
    auto pinned = backend.allocate(n + 64, sl::MemoryKind::kPinned);
    auto back = backend.allocate(n + 64, sl::MemoryKind::kPinned);
    auto device = backend.allocate(n + 64);
    auto* src = static_cast<uint8_t*>(pinned->data());
    auto* dst = static_cast<uint8_t*>(back->data());
    std::uniform_int_distribution<int> byte(0, 255);
    for (sl::Queue queue : {sl::Queue::kCompute, sl::Queue::kTransfer}) {
        for (size_t offset : {size_t{0}, size_t{16}, size_t{3}}) {
            for (size_t bytes : {n, size_t{4096}, size_t{36}, size_t{1}}) {
                for (size_t i = 0; i < n + 64; ++i) src[i] = static_cast<uint8_t>(byte(rng));
                std::memset(dst, 0, n + 64);
                auto copied = backend.make_fence();
                backend.copy_in(static_cast<uint8_t*>(device->data()) + offset, src + offset, bytes, queue);
                backend.signal(*copied, queue);
                backend.wait(*copied, sl::Queue::kCompute);
                backend.copy_out(dst + offset, static_cast<uint8_t*>(device->data()) + offset, bytes);
                backend.synchronize();
                CHECK_EQ(std::memcmp(dst + offset, src + offset, bytes), 0);
            }
        }
    }
}

// What both backends must do alike. cpu_q8: the CPU's 8-bit activation mode.
void run_ops(sl::Backend& backend, bool cpu_q8, bool every_type) {
    for (sl_type type : kAllTypes) {
        if (!every_type && !is_float_type(type)) continue;
        const int64_t cols = sl::type_traits(type)->block_elems == 256 ? 512 : 96;
        for (int64_t n_tok : {1, 3, 16, 17, 40}) matmul_matches(backend, cpu_q8, type, 70, cols, n_tok, n_tok == 3);
    }
    if (cpu_q8) return;
    for (sl_type type : kAllTypes) {
        if (!every_type && !is_float_type(type)) continue;
        const int64_t cols = sl::type_traits(type)->block_elems == 256 ? 512 : 96;
        for (int64_t n_tok : {1, 16, 17}) matmuls_match(backend, {type, type, type}, cols, n_tok);
    }
    for (int64_t n_tok : {1, 3})
        if (every_type) matmuls_match(backend, {SL_TYPE_Q4_K, SL_TYPE_Q4_K, SL_TYPE_Q6_K}, 512, n_tok);
    for (sl_type type : kAllTypes)
        if (every_type || is_float_type(type)) residual_norm_matches(backend, type, type);
    if (every_type) residual_norm_matches(backend, SL_TYPE_Q4_K, SL_TYPE_F16);
    rms_norm_matches(backend, 1, 100);
    rms_norm_matches(backend, 40, 1024);
    rms_norm_matches(backend, 2, 4096);
    rms_norm_matches(backend, 1, 12288);
    for (int head_dim : {64, 128}) {
        attention_matches(backend, 4, 2, head_dim, 12, 5);
        attention_matches(backend, 8, 1, head_dim, 300, 290);
        attention_matches(backend, 32, 8, head_dim, 1100, 1090, {head_dim, false});
        // RoPE on part of each head, with and without frequency factors, prompt then decode.
        for (bool factors : {false, true}) attention_matches(backend, 8, 2, head_dim, 40, 17, {head_dim - 16, factors});
    }
    swiglu_and_add_match(backend, 1, 100);
    swiglu_and_add_match(backend, 40, 1024);
    for (sl_type type : kAllTypes)
        if (every_type || is_float_type(type)) embed_dequantizes_rows(backend, type);
    top_k_matches(backend, 1000, 1);
    top_k_matches(backend, 128256, 40);
    top_k_matches(backend, 32000, 256);
    copies_round_trip(backend);
}

}  // namespace

int main() {
    for (bool q8 : {false, true}) {
        sl::cpu::CpuBackend backend({3, q8});
        CHECK_EQ(backend.n_threads(), 3);
        std::printf("cpu backend%s:\n", q8 ? " (8-bit activations)" : "");
        run_ops(backend, q8, /*every_type=*/q8);
        CHECK(backend.supports(SL_TYPE_F16));
        CHECK(!backend.supports(static_cast<sl_type>(99)));
    }
#ifdef SLUICE_WITH_CUDA
    if (const char* reason = sl_cuda_unavailable_reason()) {
        std::printf("cuda backend: not checked here: %s\n", reason);
    } else {
        std::unique_ptr<sl::Backend> cuda = sl::cuda::make_cuda_backend(0);
        std::printf("cuda backend:\n");
        run_ops(*cuda, false, /*every_type=*/true);
    }
#endif
    return sltest::finish("test_backend_ops");
}
