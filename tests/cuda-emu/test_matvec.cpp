// Host harness for the register matvec kernels (matvec_q4_k.cu, matvec_q6_k.cu, matvec_legacy.cu)
// compiled through the emulation shim (run.sh): random GGUF blocks times host-quantized Q8_1
// activations, every output element against a float64 reference built from the CPU backend's scalar
// decoders (cpu/quant/unpack.cpp), both activation forms (staged in shared memory, read from global
// memory), accumulate on and off, padded output rows and multi-part launches; at one token also an
// input norm factor (RmsScale) and a norm folded into the output (RmsFold: 32-warp blocks, the
// folded terms against the kernel's own y).
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

#include "core/half.h"
#include "core/status.h"
#include "cpu/quant/unpack.h"
#include "cuda/matvec_legacy.h"
#include "cuda/matvec_q4_k.h"
#include "cuda/matvec_q6_k.h"
#include "cuda/ops.h"
#include "cuda/q8_1_activations.cuh"
#include "formats/block_layouts.h"

namespace {
constexpr uint32_t kPadBits = 0x7fc5a5a5u;  // a quiet NaN with a payload: what y holds where nothing may write
double g_tol = 1e-5;                        // bound on |y - ref| / (sum of |terms| + |y0|) for a pass


using Launcher = void (*)(std::span<const sl::cuda::MatvecPart>, int64_t, const void*, int, bool, cudaStream_t,
                          const sl::cuda::MatvecNorm&);

struct Type {
    const char* name;
    sl_type type;
    Launcher launch;
    size_t d_offset[2];  // byte offsets of the block's fp16 scale fields (SIZE_MAX: none)
};
const Type kTypes[] = {
    {"Q4_K", SL_TYPE_Q4_K, sl::cuda::matvec_q4_k, {offsetof(sl::BlockQ4_K, d), offsetof(sl::BlockQ4_K, dmin)}},
    {"Q6_K", SL_TYPE_Q6_K, sl::cuda::matvec_q6_k, {offsetof(sl::BlockQ6_K, d), SIZE_MAX}},
    {"Q4_0", SL_TYPE_Q4_0, sl::cuda::matvec_q4_0, {offsetof(sl::BlockQ4_0, d), SIZE_MAX}},
    {"Q8_0", SL_TYPE_Q8_0, sl::cuda::matvec_q8_0, {offsetof(sl::BlockQ8_0, d), SIZE_MAX}},
};

struct Case {
    int type;                   // index into kTypes
    int64_t cols;
    std::vector<int64_t> rows;  // one entry a part
    int n_tok;
    bool accumulate;
    int64_t pad;  // ldy = sum of rows + pad (the parts' outputs side by side in one y, as QKV's are)
    bool scale = false;  // the input carries a norm factor
    bool fold = false;   // a norm folded into the output (one part, rows % 32 == 0, n_tok 1)
    bool staged() const { return sl::cuda::staged_q8_1_bytes(n_tok, cols) <= sl::cuda::kStagedQ8_1Bytes; }
};

struct Result {
    double rel = 0;     // ||y - ref|| / ||ref|| over the case's outputs
    double bound = 0;   // max over elements of |y - ref| / (sum |terms| + |y0|)
    long long bad = 0;  // outputs that are not finite, or exceed the bound
    long long pad_bad = 0, input_bad = 0;
    bool threw = false;
    std::string what;
    bool pass() const { return !threw && bad == 0 && pad_bad == 0 && input_bad == 0; }
};

// Random bytes, but for the fp16 scale fields: finite, |d| in [1e-3, 1e-1] log-uniform, either sign.
void fill_weights(std::mt19937_64& rng, const Type& type, const sl::cpu::QuantFormat& f, uint8_t* w, int64_t n_blocks) {
    std::uniform_real_distribution<double> log_mag(std::log(1e-3), std::log(1e-1));
    for (int64_t b = 0; b < n_blocks; ++b) {
        uint8_t* block = w + b * f.block_bytes;
        for (size_t i = 0; i < f.block_bytes; ++i) block[i] = uint8_t(rng());
        for (size_t off : type.d_offset) {
            if (off == SIZE_MAX) continue;
            const double d = std::exp(log_mag(rng)) * (rng() & 1 ? -1 : 1);
            const uint16_t bits = sl::fp32_to_fp16(float(d));
            std::memcpy(block + off, &bits, 2);
        }
    }
}

Result run_case(const Case& c, uint64_t seed) {
    Result r;
    std::mt19937_64 rng(seed);
    const Type& type = kTypes[c.type];
    const sl::cpu::QuantFormat& f = *sl::cpu::quant_format(type.type);
    const int n_tok = c.n_tok;
    const int64_t cols = c.cols, blocks_per_row = cols / f.block_elems, row_bytes = blocks_per_row * int64_t(f.block_bytes);
    int64_t total_rows = 0;
    for (int64_t n : c.rows) total_rows += n;
    const int64_t ldy = total_rows + c.pad;

    // Activations: normal, each Q8_1 block at its own scale (varied d), quantized on the host.
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(n_tok * cols));
    for (int64_t i = 0; i < n_tok * cols; i += 32) {
        const float scale = std::exp(normal(rng));
        for (int j = 0; j < 32; ++j) x[i + j] = scale * normal(rng);
    }
    const int64_t xq_row = sl::cuda::q8_1_row_bytes(cols);
    Aligned<uint8_t> xq(size_t(n_tok * xq_row));
    for (int t = 0; t < n_tok; ++t) {
        const std::vector<uint8_t> q = host_q8_1(x.data() + t * cols, cols);
        std::memcpy(xq.get() + t * xq_row, q.data(), q.size());
    }
    const std::vector<uint8_t> xq_copy(xq.get(), xq.get() + n_tok * xq_row);

    // Weights, one buffer a part.
    std::vector<std::unique_ptr<Aligned<uint8_t>>> w;
    std::vector<std::vector<uint8_t>> w_copy;
    for (int64_t n : c.rows) {
        w.push_back(std::make_unique<Aligned<uint8_t>>(size_t(n * row_bytes)));
        fill_weights(rng, type, f, w.back()->get(), n * blocks_per_row);
        w_copy.emplace_back(w.back()->get(), w.back()->get() + n * row_bytes);
    }

    // The activations as the kernels see them: xd = fp16(d) * q, and each block's fp16 s.
    std::vector<double> xd(static_cast<size_t>(n_tok * cols)), xs(static_cast<size_t>(n_tok * cols / 32));
    for (int t = 0; t < n_tok; ++t)
        for (int64_t b = 0; b < cols / 32; ++b) {
            const uint8_t* block = xq.get() + t * xq_row + b * 36;
            uint16_t ds[2];
            std::memcpy(ds, block, 4);
            const double d = sl::fp16_to_fp32(ds[0]);
            xs[t * (cols / 32) + b] = sl::fp16_to_fp32(ds[1]);
            for (int i = 0; i < 32; ++i) xd[t * cols + b * 32 + i] = d * double(int8_t(block[4 + i]));
        }

    // Reference dot products (y rows side by side as the parts' outputs lie in y), and the sum of
    // their terms' magnitudes. weight = scale[s] * q - min[s] (the CPU decoders' form); the mins meet
    // the Q8_1 block sums as stored (fp16 s, not d * sum(q)), as in ggml's q8_1 dot products and the kernel.
    const int subs = int(cols / f.sub_len);
    std::vector<int8_t> q(static_cast<size_t>(cols));
    std::vector<float> scale(static_cast<size_t>(subs)), mn(static_cast<size_t>(subs));
    std::vector<double> dot(static_cast<size_t>(n_tok * ldy)), mag(static_cast<size_t>(n_tok * ldy));
    for (size_t p = 0, offset = 0; p < c.rows.size(); offset += c.rows[p++]) {
        for (int64_t row = 0; row < c.rows[p]; ++row) {
            sl::cpu::unpack_row(f, w[p]->get() + row * row_bytes, cols, {q.data(), scale.data(), mn.data()});
            for (int t = 0; t < n_tok; ++t) {
                double sum = 0, abs_sum = 0;
                for (int64_t k = 0; k < cols; ++k) {
                    const double term = double(scale[k / f.sub_len]) * q[k] * xd[t * cols + k];
                    sum += term, abs_sum += std::fabs(term);
                }
                if (f.has_min) {  // Q4_K: sub-block s is Q8_1 block s
                    static_assert(sl::cuda::kQ8_1BlockElems == 32);
                    for (int s = 0; s < subs; ++s) {
                        const double term = double(mn[s]) * xs[t * (cols / 32) + s];
                        sum -= term, abs_sum += std::fabs(term);
                    }
                }
                if (kTypes[c.type].type == SL_TYPE_Q4_0) {  // its -8 meets the block sums as stored, not as summed
                    for (int s = 0; s < subs; ++s) {
                        double block_sum = 0;
                        for (int i = 0; i < 32; ++i) block_sum += xd[t * cols + 32 * s + i];
                        const double stored = 8.0 * double(scale[s]) * xs[t * (cols / 32) + s];
                        sum -= stored - 8.0 * double(scale[s]) * block_sum, abs_sum += std::fabs(stored);
                    }
                }
                dot[t * ldy + offset + row] = sum, mag[t * ldy + offset + row] = abs_sum;
            }
        }
    }

    // y: random at about the dot products' size (accumulate: losing either term shows) or NaN, the
    // padding a marked NaN.
    Aligned<float> y(size_t(n_tok * ldy));
    std::vector<float> y0(static_cast<size_t>(n_tok * ldy));
    for (int64_t i = 0; i < n_tok * ldy; ++i) {
        float v;
        if (i % ldy < total_rows && c.accumulate) v = normal(rng) * float(mag[i] / std::sqrt(double(cols)));
        else if (i % ldy < total_rows) v = NAN;
        else std::memcpy(&v, &kPadBits, 4);
        y0[i] = y.get()[i] = v;
    }
    std::vector<sl::cuda::MatvecPart> parts;
    for (size_t p = 0, offset = 0; p < c.rows.size(); offset += c.rows[p++])
        parts.push_back({w[p]->get(), c.rows[p], y.get() + offset, ldy});

    // The input's norm factor: group sums of squares at about a unit row's, eps as Llama's.
    const float eps = 1e-5f;
    std::vector<float> in_sums(static_cast<size_t>(cols / 32));
    double factor = 1.0;
    if (c.scale) {
        std::uniform_real_distribution<float> sums(4.0f, 64.0f);
        double total = 0;
        for (float& s : in_sums) total += s = sums(rng);
        factor = 1.0 / std::sqrt(total / double(cols) + eps);
    }
    // The folded norm's weight and outputs (NaN where nothing was written).
    const int64_t fold_rows = c.rows[0], groups = fold_rows / 32;
    std::vector<float> fold_w(static_cast<size_t>(fold_rows));
    for (float& v : fold_w) v = 0.5f + float(rng() % 1000) / 1000.0f;
    Aligned<float> fold_out{size_t(fold_rows)}, fold_sums{size_t(std::max<int64_t>(groups, 1))};
    Aligned<uint8_t> fold_q8{size_t(std::max<int64_t>(groups, 1) * 36)};
    for (int64_t i = 0; i < fold_rows; ++i) fold_out.get()[i] = NAN;
    sl::cuda::MatvecNorm norm;
    if (c.scale) norm.scale = {in_sums.data(), int32_t(cols / 32), eps};
    if (c.fold) norm.fold = {fold_w.data(), fold_out.get(), fold_q8.get(), fold_sums.get()};

    try {
        type.launch(parts, cols, xq.get(), n_tok, c.accumulate, nullptr, norm);
    } catch (const std::exception& e) {
        r.threw = true;
        r.what = e.what();
        return r;
    }
    r.input_bad += std::memcmp(xq.get(), xq_copy.data(), xq_copy.size()) != 0;
    for (size_t p = 0; p < c.rows.size(); ++p) r.input_bad += std::memcmp(w[p]->get(), w_copy[p].data(), w_copy[p].size()) != 0;

    // Every output element against the reference; the padding untouched.
    double num = 0, den = 0;
    for (int64_t i = 0; i < n_tok * ldy; ++i) {
        if (i % ldy >= total_rows) {
            r.pad_bad += std::memcmp(&y.get()[i], &kPadBits, 4) != 0;
            continue;
        }
        const double base = c.accumulate ? double(y0[i]) : 0.0;
        const double want = base + factor * dot[i], got = y.get()[i];
        const double err = std::fabs(got - want), bound = err / (factor * mag[i] + std::fabs(base));
        if (!std::isfinite(got) || !(bound <= g_tol)) ++r.bad;
        if (std::isfinite(got)) r.bound = std::max(r.bound, bound);
        num += err * err, den += want * want;
    }
    r.rel = std::sqrt(num / den);
    if (c.fold) {  // the folded terms of the y the kernel wrote: out exact, its Q8_1 as the host makes it
        for (int64_t i = 0; i < fold_rows; ++i) r.bad += !(fold_out.get()[i] == y.get()[i] * fold_w[i]);
        const std::vector<uint8_t> q8 = host_q8_1(fold_out.get(), fold_rows);
        r.bad += std::memcmp(q8.data(), fold_q8.get(), q8.size()) != 0;
        for (int64_t g = 0; g < groups; ++g) {
            double sum = 0;
            for (int i = 0; i < 32; ++i) sum += double(y.get()[32 * g + i]) * y.get()[32 * g + i];
            r.bad += !(std::fabs(fold_sums.get()[g] - sum) <= 1e-5 * sum);
        }
    }
    return r;
}
}  // namespace

int main(int argc, char** argv) {
    const bool quick = parse_options(argc, argv, &g_tol);
    // Widths each register kernel takes (Q4_K: cols % 256, Q6_K: % kMatvecQ6KGroupCols, legacy: %
    // kMatvecLegacyGroupCols), with rows whose steps or chunks leave lanes idle (768, 2304, 11008) and
    // the long ffn_down width. n_tok * cols past the 48 KB staging (n_tok >= 4 at 14336, >= 11 at 4096)
    // takes the global form.
    const std::vector<int64_t> widths[] = {
        {256, 768, 2304, 4096, 11008, 14336},  // Q4_K: 1, 3, 9, 16, 43, 56 super-blocks
        {2048, 4096, 6144, 14336},             // Q6_K: 1, 2, 3, 7 groups of eight super-blocks
        {256, 768, 2304, 4096, 14336},         // Q4_0: 1, 3, 9, 16, 56 groups of eight blocks
        {256, 768, 2304, 4096, 14336},         // Q8_0
    };
    const int64_t row_counts[] = {1, 7, 33, 130};  // each leaves the last block of eight rows partial
    const int n_toks[] = {1, 2, 3, 4, 5, 8, 11, 16};
    std::vector<Case> cases;
    std::mt19937 pick(7);  // accumulate and padding: drawn, with a fixed seed, independent of the grid
    for (int ty = 0; ty < 4; ++ty)
        for (int64_t cols : widths[ty])
            for (int64_t rows : row_counts)
                for (int nt : n_toks) cases.push_back({ty, cols, {rows}, nt, pick() % 2 == 1, int64_t(pick() % 3 * 7)});
    if (quick) {
        std::vector<Case> q;
        for (size_t i = 0; i < cases.size(); i += 7) q.push_back(cases[i]);
        cases = q;
    }
    // Multi-part launches (QKV, gate and up): parts of different row counts side by side in y, both forms.
    for (int ty = 0; ty < 4; ++ty) {
        cases.push_back({ty, 6144, {33, 8, 130}, 3, true, 5});
        cases.push_back({ty, 14336, {7, 64}, 8, false, 0});
        cases.push_back({ty, 4096, {1, 17, 9}, 16, true, 3});
    }

    // One token with the norms beside the product: an input factor (accumulate on and off), and a norm
    // folded into the output (whole 32-row groups, one part), at the decode widths.
    for (int ty = 0; ty < 4; ++ty) {
        const int64_t cols = widths[ty][widths[ty].size() - 1], short_cols = widths[ty][0];
        for (int64_t rows : {32, 96}) {
            cases.push_back({ty, short_cols, {rows}, 1, true, 0, false, true});
            cases.push_back({ty, cols, {rows}, 1, true, 0, false, true});
        }
        cases.push_back({ty, cols, {33, 64}, 1, false, 3, true, false});
        cases.push_back({ty, short_cols, {130}, 1, true, 0, true, false});
    }

    std::vector<Result> results(cases.size());
    run_on_every_core(cases.size(), [&](size_t i) { results[i] = run_case(cases[i], 2000 + i); });

    struct Agg { int n = 0, fail = 0, staged = 0; double rel = 0, bound = 0; };
    std::map<std::string, Agg> agg;
    int fails = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        const Result& r = results[i];
        char name[64];
        std::snprintf(name, sizeof name, "%s cols %5lld%s%s%s", kTypes[c.type].name, (long long)c.cols,
                      c.rows.size() > 1 ? " multi-part" : "", c.scale ? " scale" : "", c.fold ? " fold" : "");
        Agg& a = agg[name];
        ++a.n;
        a.staged += c.staged();
        a.rel = std::max(a.rel, r.rel), a.bound = std::max(a.bound, r.bound);
        if (!r.pass()) {
            ++a.fail, ++fails;
            if (fails <= 12) {
                std::string rows;
                for (int64_t n : c.rows) rows += (rows.empty() ? "" : "+") + std::to_string(n);
                std::printf("FAIL %s cols %lld rows %s n_tok %d acc %d pad %lld %s | rel %.2e bound %.2e bad %lld pad %lld in %lld %s\n",
                            kTypes[c.type].name, (long long)c.cols, rows.c_str(), c.n_tok, c.accumulate, (long long)c.pad,
                            c.staged() ? "staged" : "global", r.rel, r.bound, r.bad, r.pad_bad, r.input_bad,
                            r.threw ? r.what.c_str() : "");
            }
        }
    }
    std::printf("%-30s %5s %5s %7s %12s %12s\n", "group", "cases", "fail", "staged", "worst rel", "worst bound");
    for (auto& [name, a] : agg)
        std::printf("%-30s %5d %5d %7d %12.3e %12.3e\n", name.c_str(), a.n, a.fail, a.staged, a.rel, a.bound);
    std::printf("TOTAL cases %zu failed %d (tol %.1e of the sum of |terms|)\n", cases.size(), fails, g_tol);
    return fails ? 1 : 0;
}
