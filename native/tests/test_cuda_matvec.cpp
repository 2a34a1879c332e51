// quantize_q8_1 and matvec against the CPU reference on fresh random inputs, every weight type, odd
// shapes (rows not a multiple of the rows per CUDA block, several column chunks with a partial
// last one), n_tok 1, 2, 3, 8, 16, accumulate on and off, one matrix or several in one launch.
// - quantize_q8_1, and the Q8_1 that RMSNorm and SwiGLU write beside their output: bit-exact with a
//   host Q8_1 quantizer.
// - matvec, block types: tight against a float64 dot of the CPU-dequantized weights with the
//   dequantized Q8_1 activations (taking each Q8_1 block's sum from its fp16 s where the kernel
//   does: types whose min spans the whole block, and Q4_0's -8); loose against the float activations (within
//   the 8-bit rounding bound). Float types: against the float64 dot of the float activations.
// Outputs are poisoned (NaN) first; padding between token rows must stay poisoned.
// Prints a per-type table of the largest errors relative to sum |w x|. Skipped (77) without a GPU.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "check.h"
#include "core/half.h"
#include "core/status.h"
#include "cpu/quant/quant.h"
#include "cpu/quant/unpack.h"
#include "cuda/k4_scales.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"
#include "formats/types.h"
#include "random_blocks.h"

namespace {

using namespace sl;
using sltest::DeviceBuffer;

const float kNaN = std::nanf("");

// One token's Q8_1 row as the kernel sees it: the dequantized values, and per block the fp16 s
// minus the exact sum of the dequantized values.
struct Q8Row {
    std::vector<float> x;
    std::vector<double> s_error;
};

Q8Row read_q8_1(const uint8_t* row, int64_t cols) {
    Q8Row r{std::vector<float>(size_t(cols)), std::vector<double>(size_t(cols / 32))};
    for (int64_t b = 0; b < cols / 32; ++b) {
        const uint8_t* block = row + b * cuda::kQ8_1BlockBytes;
        uint16_t ds[2];
        std::memcpy(ds, block, 4);
        const float d = fp16_to_fp32(ds[0]);
        double sum = 0;
        for (int i = 0; i < 32; ++i) {
            r.x[size_t(32 * b + i)] = d * float(int8_t(block[4 + i]));
            sum += r.x[size_t(32 * b + i)];
        }
        r.s_error[size_t(b)] = double(fp16_to_fp32(ds[1])) - sum;
    }
    return r;
}

// The kernels take a Q8_1 block's sum from s for these types (ggml does the same): the mins, and
// Q4_0's -8 (w = d * q' - 8d with q' the stored nibble).
bool uses_q8_1_sum(sl_type type) {
    return type == SL_TYPE_Q4_0 || type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1 || type == SL_TYPE_Q4_K ||
           type == SL_TYPE_Q5_K;
}

// got against the host Q8_1 of x (n_tok rows of cols, ldx apart), byte for byte.
void expect_q8_1(const char* what, const std::vector<uint8_t>& got, const float* x, int64_t ldx, int64_t n_tok,
                 int64_t cols) {
    const std::vector<uint8_t> expected = sltest::host_q8_1(x, ldx, n_tok, cols);
    const size_t row = size_t(cuda::q8_1_row_bytes(cols));
    int bad = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        if (got[i] != expected[i] && bad++ == 0) {
            std::printf("  %s cols %lld: byte %zu (token %zu, block %zu, offset %zu): got 0x%02x, expected 0x%02x\n", what,
                        (long long)cols, i, i / row, i % row / 36, i % 36, got[i], expected[i]);
        }
    }
    CHECK_EQ(bad, 0);
}

// k4_scale_min_pair (host code here, the Q4_K kernel's on the device) against ggml's
// get_scale_min_k4 for every value of the three bytes that make one sub-block's scale and min, at
// each of the four byte positions, in both halves of the super-block.
void check_k4_scales() {
    int bad = 0;
    for (uint32_t v = 0; v < (1u << 24); ++v) {
        const int t = int(v % 4);
        uint8_t packed[12] = {};
        packed[t] = uint8_t(v), packed[4 + t] = uint8_t(v >> 8), packed[8 + t] = uint8_t(v >> 16);
        uint32_t w[3];
        std::memcpy(w, packed, sizeof w);
        const auto want = [&](int s, int* sc, int* mn) {
            if (s < 4) {
                *sc = packed[s] & 63, *mn = packed[s + 4] & 63;
            } else {
                *sc = (packed[s + 4] & 0xF) | (packed[s - 4] >> 6) << 4;
                *mn = (packed[s + 4] >> 4) | (packed[s] >> 6) << 4;
            }
        };
        for (int j : {t / 2, 2 + t / 2}) {  // the pairs holding sub-blocks t and 4 + t
            int sc[2], mn[2], want_sc[2], want_mn[2];
            cuda::k4_scale_min_pair(w[0], w[1], w[2], j, &sc[0], &mn[0], &sc[1], &mn[1]);
            want(2 * j, &want_sc[0], &want_mn[0]);
            want(2 * j + 1, &want_sc[1], &want_mn[1]);
            for (int i = 0; i < 2; ++i) bad += sc[i] != want_sc[i] || mn[i] != want_mn[i];
        }
    }
    CHECK_EQ(bad, 0);
}

void check_quantize(std::mt19937& rng) {
    for (int64_t cols : {32, 96, 4128}) {
        const int64_t n_tok = 3, ldx = cols + 5;
        std::vector<float> x = sltest::random_activations(rng, size_t(n_tok * ldx));
        std::fill(x.begin() + ldx, x.begin() + ldx + 32, 0.0f);  // an all-zero block: d = 0, q = 0
        x[2] = 1e4f;  // an outlier
        DeviceBuffer<float> dx(x);
        DeviceBuffer<uint8_t> dq(size_t(n_tok * cuda::q8_1_row_bytes(cols)));
        cuda::quantize_q8_1(dx.get(), ldx, n_tok, cols, dq.get(), nullptr);
        expect_q8_1("quantize_q8_1", dq.download(), x.data(), ldx, n_tok, cols);
    }
}

// The ops that write Q8_1 beside their float output (for the matvec after them) write exactly
// what quantize_q8_1 makes of that output: RMSNorm (rows of a part of a float4 a thread, one, and
// several; and input that is not 16-byte aligned, which takes the scalar path) and SwiGLU.
void check_q8_1_beside(std::mt19937& rng) {
    for (int64_t width : {96, 4096, 8192, 12288}) {
        for (int64_t n_tok : {1, 3}) {
            const int64_t skew = width == 96 && n_tok == 3;  // floats before the input
            std::vector<float> x = sltest::random_activations(rng, size_t(n_tok * width + skew));
            x[skew + 1] = 0.0f, x[skew + 5] = -300.0f;  // an outlier in the first block
            const std::vector<float> w = sltest::random_activations(rng, size_t(width));
            DeviceBuffer<float> dx(x), dw(w), dout{size_t(n_tok * width)};
            DeviceBuffer<uint8_t> dq(size_t(n_tok * cuda::q8_1_row_bytes(width)));
            cuda::rms_norm(dx.get() + skew, dw.get(), n_tok, width, 1e-5f, dout.get(), dq.get(), nullptr);
            const std::vector<float> out = dout.download();
            expect_q8_1("rms_norm", dq.download(), out.data(), width, n_tok, width);
        }
    }
    const int64_t n = 14336 + 64;
    const std::vector<float> gate = sltest::random_activations(rng, size_t(n)), up = sltest::random_activations(rng, size_t(n));
    DeviceBuffer<float> dgate(gate), dup(up), dout{size_t(n)};
    DeviceBuffer<uint8_t> dq(size_t(cuda::q8_1_row_bytes(n)));
    cuda::swiglu(dgate.get(), dup.get(), n, dout.get(), dq.get(), nullptr);
    const std::vector<float> out = dout.download();
    expect_q8_1("swiglu", dq.download(), out.data(), n, 1, n);
}

// ---- matvec ----

struct Stats {
    double tight = 0, loose = 0;  // largest |error| / sum |w x|
    int failures = 0, runs = 0;
};

struct Case {
    std::vector<int64_t> rows;  // of each matrix in the one launch
    int64_t cols;
    int n_tok;
    bool accumulate;
};

// One matrix of a case: its weights, outputs before and after, and where it lives on the device.
struct Part {
    int64_t rows, ldy;
    std::vector<uint8_t> W;
    std::vector<float> Y0;
    std::unique_ptr<DeviceBuffer<uint8_t>> dw;  // exactly sized: the last-granule path must not overread
    std::unique_ptr<DeviceBuffer<float>> dy;
};

void run_case(std::mt19937& rng, sl_type type, const Case& c, Stats& stats) {
    const char* name = type_traits(type)->name;
    const bool q8 = cuda::matvec_reads_q8_1(type);
    // Float types: alternate 16-byte aligned activation rows (vector path) and odd strides.
    const int64_t ldx = (c.n_tok % 2 == 0) ? (c.cols + 3) / 4 * 4 + 4 : c.cols + 1;
    const std::vector<float> X = sltest::random_activations(rng, size_t(ldx * c.n_tok));
    std::vector<Part> parts;
    std::vector<cuda::MatvecPart> launch;
    for (int64_t rows : c.rows) {
        const int64_t ldy = rows + 3;
        std::vector<uint8_t> W = sltest::random_weights(rng, type, rows, c.cols);
        std::vector<float> Y0(size_t(ldy * c.n_tok), kNaN);
        if (c.accumulate) {
            for (int64_t t = 0; t < c.n_tok; ++t)
                for (int64_t r = 0; r < rows; ++r) Y0[size_t(t * ldy + r)] = std::uniform_real_distribution<float>(-1, 1)(rng);
        }
        auto dw = std::make_unique<DeviceBuffer<uint8_t>>(W);
        auto dy = std::make_unique<DeviceBuffer<float>>(Y0);
        launch.push_back({dw->get(), rows, dy->get(), ldy});
        parts.push_back({rows, ldy, std::move(W), std::move(Y0), std::move(dw), std::move(dy)});
    }

    DeviceBuffer<float> dx(X);
    DeviceBuffer<uint8_t> dxq(size_t(c.n_tok * cuda::q8_1_row_bytes(c.cols)));
    if (q8) cuda::quantize_q8_1(dx.get(), ldx, c.n_tok, c.cols, dxq.get(), nullptr);
    cuda::matvec(type, launch, c.cols, q8 ? nullptr : dx.get(), ldx, q8 ? dxq.get() : nullptr, c.n_tok, c.accumulate,
                 nullptr);
    const std::vector<uint8_t> Xq = q8 ? dxq.download() : std::vector<uint8_t>();

    std::vector<Q8Row> seen;
    for (int64_t t = 0; q8 && t < c.n_tok; ++t) seen.push_back(read_q8_1(Xq.data() + t * cuda::q8_1_row_bytes(c.cols), c.cols));

    const uint64_t stride = row_bytes(type, c.cols);
    const cpu::QuantFormat* format = cpu::quant_format(type);
    std::vector<float> w(size_t(c.cols)), scale(size_t(c.cols)), min(size_t(c.cols));
    std::vector<int8_t> q(size_t(c.cols));
    for (size_t part = 0; part < parts.size(); ++part) {
        const Part& P = parts[part];
        const std::vector<float> Y = P.dy->download();
        int bad = 0, unwritten = 0, pad = 0;
        for (int64_t r = 0; r < P.rows; ++r) {
            cpu::dequantize_row(type, P.W.data() + r * stride, w.data(), c.cols);
            if (q8 && uses_q8_1_sum(type)) {
                cpu::unpack_row(*format, P.W.data() + r * stride, c.cols, {q.data(), scale.data(), min.data()});
                if (type == SL_TYPE_Q4_0)  // its -8 as a min of 8d
                    for (size_t b = 0; b < min.size(); ++b) min[b] = 8.0f * scale[b];
            }
            for (int64_t t = 0; t < c.n_tok; ++t) {
                const float* x = X.data() + t * ldx;
                const float got = Y[size_t(t * P.ldy + r)];
                const double y0 = c.accumulate ? P.Y0[size_t(t * P.ldy + r)] : 0.0;
                double dot_f = 0, mag_f = std::fabs(y0), bound = 0;
                for (int64_t i = 0; i < c.cols; ++i) {
                    dot_f += double(w[size_t(i)]) * x[i];
                    mag_f += std::fabs(double(w[size_t(i)]) * x[i]);
                }
                double err_tight = 0, rel_tight = 0, expected_q = NAN;
                bool tight_ok = true;
                if (q8) {
                    const Q8Row& xs = seen[size_t(t)];
                    double dot_q = 0, mag_q = std::fabs(y0);
                    for (int64_t i = 0; i < c.cols; ++i) {
                        dot_q += double(w[size_t(i)]) * xs.x[size_t(i)];
                        mag_q += std::fabs(double(w[size_t(i)]) * xs.x[size_t(i)]);
                    }
                    if (uses_q8_1_sum(type)) {  // w = scale * q - min: the kernel's -min * sum(x) uses s
                        for (int64_t b = 0; b < c.cols / 32; ++b)
                            dot_q -= double(min[size_t(b * 32 / format->sub_len)]) * xs.s_error[size_t(b)];
                    }
                    // Each activation moved by at most half a step (amax / 254) plus its fp16 scale's rounding.
                    for (int64_t b = 0; b < c.cols; b += 32) {
                        float amax = 0;
                        for (int64_t i = b; i < b + 32; ++i) amax = std::max(amax, std::fabs(x[i]));
                        for (int64_t i = b; i < b + 32; ++i) bound += std::fabs(w[size_t(i)]) * amax * (1.0 / 254 + 1.0 / 2048);
                    }
                    expected_q = y0 + dot_q;
                    err_tight = std::fabs(got - expected_q);
                    rel_tight = err_tight / std::max(mag_q, 1e-30);
                    tight_ok = err_tight <= 2e-5 * mag_q;
                }
                const double err_f = std::fabs(got - (y0 + dot_f));
                const bool loose_ok = err_f <= 1.1 * bound + 2e-5 * mag_f;
                stats.tight = std::max(stats.tight, q8 ? rel_tight : err_f / std::max(mag_f, 1e-30));
                stats.loose = std::max(stats.loose, err_f / std::max(mag_f, 1e-30));
                if (!(tight_ok && loose_ok)) {  // NaN fails both
                    unwritten += std::isnan(got);
                    if (bad++ == 0) {
                        std::printf("  %s part %zu of %zu, %lldx%lld n_tok %d%s: row %lld token %lld: got %.9g, expected %.9g "
                                    "(8-bit activations) / %.9g (float), sum|wx| %.4g, 8-bit bound %.4g\n",
                                    name, part, parts.size(), (long long)P.rows, (long long)c.cols, c.n_tok,
                                    c.accumulate ? " accumulate" : "", (long long)r, (long long)t, got, expected_q, y0 + dot_f,
                                    mag_f, bound);
                    }
                }
            }
        }
        for (int64_t t = 0; t < c.n_tok; ++t)
            for (int64_t r = P.rows; r < P.ldy; ++r) pad += !std::isnan(Y[size_t(t * P.ldy + r)]);
        if (bad || pad) {
            std::printf("  %s part %zu of %zu, %lldx%lld n_tok %d%s: %d of %lld outputs wrong (%d never written), %d padding "
                        "values written\n",
                        name, part, parts.size(), (long long)P.rows, (long long)c.cols, c.n_tok,
                        c.accumulate ? " accumulate" : "", bad, (long long)(P.rows * c.n_tok), unwritten, pad);
        }
        CHECK_EQ(bad, 0);
        CHECK_EQ(pad, 0);
        stats.failures += bad + pad;
    }
    ++stats.runs;
}

std::vector<int64_t> cols_for(sl_type type) {
    if (sltest::is_float_type(type)) return {77, 96, 1100, 4096};
    // Legacy: 1, 3, 65 (two chunks, the second partial) and 128 blocks; K: 1, 3, 9 and 16.
    if (type_traits(type)->block_elems == 32) return {32, 96, 2080, 4096};
    return {256, 768, 2304, 4096};
}

void check_unsupported() {
    bool raised = false;
    try {
        cuda::matvec(SL_TYPE_Q8_K, nullptr, 1, 256, nullptr, 256, nullptr, 1, nullptr, 1, false, nullptr);
    } catch (const Error& e) {
        raised = e.status() == SL_ERR_UNSUPPORTED && std::strstr(e.what(), "Q8_K") != nullptr;
        if (!raised) std::printf("  unexpected error for Q8_K: %s\n", e.what());
    }
    CHECK(raised);
    for (sl_type type : sltest::kWeightTypes) CHECK_EQ(cuda::matvec_reads_q8_1(type), !sltest::is_float_type(type));
}

}  // namespace

int main() {
    check_k4_scales();  // host code: runs without a GPU too
    if (const char* reason = sltest::cuda_skip_reason()) {
        if (sltest::failures > 0) return sltest::finish("test_cuda_matvec (host checks)");
        return sltest::skip("test_cuda_matvec", reason);
    }
    std::mt19937 rng(1234567);
    check_quantize(rng);
    check_q8_1_beside(rng);
    check_unsupported();

    const int64_t rows[] = {1, 7, 33, 1031};
    const int n_toks[] = {1, 2, 3, 8, 16};
    std::printf("%-5s %5s %14s %14s %9s\n", "type", "runs", "max rel tight", "max rel float", "failures");
    for (sl_type type : sltest::kWeightTypes) {
        Stats stats;
        const std::vector<int64_t> cols = cols_for(type);
        for (size_t s = 0; s < cols.size(); ++s) {
            for (size_t k = 0; k < std::size(n_toks); ++k) {
                run_case(rng, type, {{rows[s]}, cols[s], n_toks[k], (k + s) % 2 == 1}, stats);
            }
        }
        // Several matrices in one launch (Q, K, V; gate, up), of odd row counts so that a part's
        // last CUDA block is partial.
        for (int n_tok : {1, 3, 16}) {
            run_case(rng, type, {{33, 7, 1031}, cols.back(), n_tok, n_tok == 3}, stats);
            run_case(rng, type, {{1, 70}, cols[1], n_tok, false}, stats);
            // An FFN-down-wide row (Llama 8B's 14336 columns: seven of Q6_K's 2048-column groups).
            run_case(rng, type, {{9, 40}, 14336, n_tok, n_tok == 1}, stats);
            // Legacy rows whose 256-column groups do not fill matvec_legacy.cu's last chunk.
            if (type_traits(type)->block_elems == 32) run_case(rng, type, {{5, 3}, 2304, n_tok, n_tok != 1}, stats);
        }
        std::printf("%-5s %5d %14.3g %14.3g %9d\n", type_traits(type)->name, stats.runs, stats.tight, stats.loose, stats.failures);
    }
    return sltest::finish("test_cuda_matvec");
}
