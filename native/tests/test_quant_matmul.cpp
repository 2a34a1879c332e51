// The fast paths against the scalar references on fresh random data: matmul_rows vs dot_reference,
// matmul_rows_q8 vs the reference on the same 8-bit activations (tight) and on the float ones
// (within the 8-bit error), with the scalar and the AVX2 kernels; AVX2 decoders vs scalar ones.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "core/half.h"
#include "core/status.h"
#include "cpu/quant/kernels.h"
#include "cpu/quant/quant.h"
#include "cpu/quant/unpack.h"

namespace {

using namespace sl;
using namespace sl::cpu;

const sl_type kWeightTypes[] = {SL_TYPE_F32,  SL_TYPE_F16,  SL_TYPE_BF16, SL_TYPE_Q4_0, SL_TYPE_Q4_1,
                                SL_TYPE_Q5_0, SL_TYPE_Q5_1, SL_TYPE_Q8_0, SL_TYPE_Q2_K, SL_TYPE_Q3_K,
                                SL_TYPE_Q4_K, SL_TYPE_Q5_K, SL_TYPE_Q6_K};

bool cpu_has_avx2() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

// Byte offsets of the fp16 scale fields (d, then dmin or m) in each block, from ggml's layouts.
struct ScaleFields {
    sl_type type;
    int d_at;
    int second_at;  // -1: none
    bool second_signed;
};
constexpr ScaleFields kScaleFields[] = {
    {SL_TYPE_Q4_0, 0, -1, false}, {SL_TYPE_Q4_1, 0, 2, true},   {SL_TYPE_Q5_0, 0, -1, false},
    {SL_TYPE_Q5_1, 0, 2, true},   {SL_TYPE_Q8_0, 0, -1, false}, {SL_TYPE_Q2_K, 80, 82, false},
    {SL_TYPE_Q3_K, 108, -1, false}, {SL_TYPE_Q4_K, 0, 2, false}, {SL_TYPE_Q5_K, 0, 2, false},
    {SL_TYPE_Q6_K, 208, -1, false},
};

void put_half(uint8_t* at, float v) {
    const uint16_t h = sl::fp32_to_fp16(v);
    std::memcpy(at, &h, 2);
}

// Random blocks: every quant bit random, scales random but sane.
std::vector<uint8_t> random_weights(std::mt19937& rng, sl_type type, int64_t rows, int64_t cols) {
    std::vector<uint8_t> w(row_bytes(type, cols) * rows);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f), scale(1e-3f, 2e-2f);
    if (type == SL_TYPE_F32 || type == SL_TYPE_F16 || type == SL_TYPE_BF16) {
        std::vector<float> x(size_t(rows * cols));
        for (float& v : x) v = value(rng);
        quantize_row(type, x.data(), w.data(), rows * cols);
        return w;
    }
    for (uint8_t& b : w) b = uint8_t(rng());
    const size_t block_bytes = type_traits(type)->block_bytes;
    for (const ScaleFields& f : kScaleFields) {
        if (f.type != type) continue;
        for (size_t at = 0; at < w.size(); at += block_bytes) {
            put_half(&w[at + f.d_at], scale(rng));
            if (f.second_at >= 0) put_half(&w[at + f.second_at], f.second_signed ? value(rng) * 0.05f : scale(rng));
        }
    }
    return w;
}

std::vector<float> random_activations(std::mt19937& rng, size_t n) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    return x;
}

struct Case {
    int64_t rows, cols, n_tok, r0, r1;
};

// sum |w_i x_i|: the scale that float rounding errors are relative to.
double magnitude(sl_type type, const uint8_t* w_row, const float* x, int64_t n) {
    std::vector<float> w(static_cast<size_t>(n));
    dequantize_row(type, w_row, w.data(), n);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += std::fabs(double(w[i]) * x[i]);
    return sum;
}

// Rows outside [r0, r1) and padding columns of Y must keep their sentinel.
int count_untouched_violations(const std::vector<float>& Y, const Case& c, int64_t ldy) {
    int bad = 0;
    for (int64_t t = 0; t < c.n_tok; ++t)
        for (int64_t r = 0; r < ldy; ++r)
            if ((r < c.r0 || r >= c.r1) && Y[t * ldy + r] != -7.0f) ++bad;
    return bad;
}

void check_float_path(std::mt19937& rng, sl_type type, const Case& c) {
    const std::vector<uint8_t> W = random_weights(rng, type, c.rows, c.cols);
    const int64_t ldx = c.cols + 5, ldy = c.rows + 3;
    const std::vector<float> X = random_activations(rng, size_t(ldx * c.n_tok));
    std::vector<float> Y(size_t(ldy * c.n_tok), -7.0f);
    matmul_rows(type, W.data(), c.cols, X.data(), ldx, c.n_tok, Y.data(), ldy, c.r0, c.r1);
    const uint64_t stride = row_bytes(type, c.cols);
    int bad = 0;
    for (int64_t t = 0; t < c.n_tok; ++t) {
        for (int64_t r = c.r0; r < c.r1; ++r) {
            const float* x = X.data() + t * ldx;
            const double expected = dot_reference(type, W.data() + r * stride, x, c.cols);
            const double tol = 1e-5 * magnitude(type, W.data() + r * stride, x, c.cols);
            if (!(std::fabs(Y[t * ldy + r] - expected) <= tol)) {
                if (bad++ == 0) std::printf("  %s float path: row %lld token %lld: %.9g vs %.9g\n", type_traits(type)->name,
                                            (long long)r, (long long)t, Y[t * ldy + r], expected);
            }
        }
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(count_untouched_violations(Y, c, ldy), 0);
}

void check_q8_path(std::mt19937& rng, sl_type type, const Case& c) {
    const sl_type act = activation_type(type);
    const std::vector<uint8_t> W = random_weights(rng, type, c.rows, c.cols);
    const int64_t ldx = c.cols, ldy = c.rows + 3;
    const int64_t ldxq = int64_t(row_bytes(act, c.cols)) + 8;  // padded token stride
    const std::vector<float> X = random_activations(rng, size_t(ldx * c.n_tok));
    std::vector<uint8_t> Xq(size_t(ldxq * c.n_tok));
    std::vector<float> X_seen(X.size());  // the activations as the 8-bit path sees them
    for (int64_t t = 0; t < c.n_tok; ++t) {
        quantize_activations(act, X.data() + t * ldx, Xq.data() + t * ldxq, c.cols);
        dequantize_row(act, Xq.data() + t * ldxq, X_seen.data() + t * ldx, c.cols);
    }
    std::vector<float> Y(size_t(ldy * c.n_tok), -7.0f);
    matmul_rows_q8(type, W.data(), c.cols, Xq.data(), ldxq, c.n_tok, Y.data(), ldy, c.r0, c.r1);
    const uint64_t stride = row_bytes(type, c.cols);
    const int64_t act_block = type_traits(act)->block_elems;
    int bad_tight = 0, bad_loose = 0;
    for (int64_t t = 0; t < c.n_tok; ++t) {
        for (int64_t r = c.r0; r < c.r1; ++r) {
            const uint8_t* w_row = W.data() + r * stride;
            const float got = Y[t * ldy + r];
            // Same 8-bit activations: only float rounding separates the two.
            const float* seen = X_seen.data() + t * ldx;
            const double exact = dot_reference(type, w_row, seen, c.cols);
            bad_tight += !(std::fabs(got - exact) <= 2e-5 * magnitude(type, w_row, seen, c.cols));
            // Float activations: each x_i moved by at most half a step, amax(block) / 254.
            std::vector<float> w(size_t(c.cols));
            dequantize_row(type, w_row, w.data(), c.cols);
            const float* x = X.data() + t * ldx;
            double bound = 0;
            for (int64_t b = 0; b < c.cols; b += act_block) {
                float amax = 0;
                for (int64_t i = b; i < b + act_block; ++i) amax = std::fmax(amax, std::fabs(x[i]));
                for (int64_t i = b; i < b + act_block; ++i) bound += std::fabs(w[i]) * amax / 254.0 * 1.01;
            }
            const double reference = dot_reference(type, w_row, x, c.cols);
            bad_loose += !(std::fabs(got - reference) <= bound + 1e-5 * magnitude(type, w_row, x, c.cols));
        }
    }
    CHECK_EQ(bad_tight, 0);
    CHECK_EQ(bad_loose, 0);
    CHECK_EQ(count_untouched_violations(Y, c, ldy), 0);
    if (bad_tight || bad_loose) std::printf("  %s q8 path: %d tight, %d loose failures\n", type_traits(type)->name, bad_tight, bad_loose);
}

void check_all_types(std::mt19937& rng) {
    const Case cases[] = {{7, 512, 1, 0, 7},  {7, 512, 3, 1, 6},   {5, 256, 4, 0, 5},  {6, 512, 7, 2, 5},
                          {4, 256, 16, 1, 4}, {3, 256, 5, 2, 3},   {3, 2048, 1, 0, 3}, {2, 1024, 33, 0, 2},
                          // batches over several row panels and column chunks, the last ones partial
                          {9, 2304, 7, 0, 9}};
    for (sl_type type : kWeightTypes) {
        for (const Case& c : cases) {
            check_float_path(rng, type, c);
            check_q8_path(rng, type, c);
        }
    }
    // Every decode batch size (the 8-bit kernels tile 4 or 8 tokens), odd row ranges, long rows.
    for (sl_type type : kWeightTypes) {
        for (int64_t n_tok = 1; n_tok <= 9; ++n_tok) check_q8_path(rng, type, {5, 512, n_tok, n_tok % 2, 5});
        check_q8_path(rng, type, {3, 4096, 8, 1, 3});
        check_q8_path(rng, type, {2, 1024, 17, 0, 2});
    }
    // Odd lengths: an odd block count for the legacy types, a ragged tail for the float types.
    for (sl_type type : {SL_TYPE_Q4_0, SL_TYPE_Q4_1, SL_TYPE_Q5_1, SL_TYPE_Q8_0}) {
        check_float_path(rng, type, {3, 96, 1, 0, 3});
        check_q8_path(rng, type, {3, 96, 1, 0, 3});
        check_q8_path(rng, type, {3, 96, 2, 0, 3});
    }
    for (sl_type type : {SL_TYPE_F32, SL_TYPE_F16, SL_TYPE_BF16}) {
        check_float_path(rng, type, {3, 77, 1, 0, 3});
        check_float_path(rng, type, {3, 77, 6, 1, 3});
        check_float_path(rng, type, {6, 1100, 5, 0, 6});
    }
}

// The AVX2 decoders must agree bit for bit with the scalar ones on random blocks.
void check_avx2_unpackers(std::mt19937& rng) {
    for (sl_type type : kWeightTypes) {
        const QuantFormat* format = quant_format(type);
        if (!format) continue;
        const UnpackFn fast = avx2_unpacker(type);
        CHECK(fast != nullptr);
        int mismatches = 0;
        for (int trial = 0; trial < 200; ++trial) {
            const std::vector<uint8_t> block = random_weights(rng, type, 1, format->block_elems);
            int8_t q1[256], q2[256];
            float s1[16], s2[16], m1[16], m2[16];
            format->unpack(block.data(), q1, s1, m1);
            fast(block.data(), q2, s2, m2);
            const int n_sub = format->block_elems / format->sub_len;
            mismatches += std::memcmp(q1, q2, size_t(format->block_elems)) != 0;
            mismatches += std::memcmp(s1, s2, sizeof(float) * n_sub) != 0 || std::memcmp(m1, m2, sizeof(float) * n_sub) != 0;
        }
        CHECK_EQ(mismatches, 0);
    }
}

// The AVX2 activation quantizers must write what the scalar ones write, byte for byte, also for
// ties, zeros, tiny, huge, infinite and NaN inputs.
void check_avx2_activation_quantizers(std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<int> pick(0, 15);
    int mismatches = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const int64_t n = 256 * (1 + trial % 4);
        std::vector<float> x(static_cast<size_t>(n));
        const float scale = std::ldexp(1.0f, trial % 40 - 20);
        for (float& v : x) {
            switch (trial % 5 == 0 ? pick(rng) : 0) {
                case 1: v = 0.0f; break;
                case 2: v = std::round(normal(rng) * 8.0f) * 0.5f; break;  // halves: rounding ties
                case 3: v = 1e-42f; break;
                case 4: v = 1e30f; break;
                case 5: v = trial % 3 == 0 ? INFINITY : -INFINITY; break;
                case 6: v = trial % 2 == 0 ? NAN : normal(rng); break;
                default: v = normal(rng) * scale; break;
            }
        }
        if (trial % 7 == 0) std::fill(x.begin(), x.begin() + 256, 0.0f);
        for (sl_type act : {SL_TYPE_Q8_0, SL_TYPE_Q8_K}) {
            std::vector<uint8_t> a(row_bytes(act, n)), b(row_bytes(act, n));
            quantize_row(act, x.data(), a.data(), n);
            CHECK(quantize_activations_avx2(act, x.data(), b.data(), n));
            mismatches += a != b;
        }
    }
    CHECK_EQ(mismatches, 0);
}

// Activation-only or unknown types are refused with SL_ERR_UNSUPPORTED, never computed.
void check_unsupported_weight_types() {
    float x[256] = {}, y[1] = {};
    uint8_t w[512] = {};
    for (int32_t type : {int32_t(SL_TYPE_Q8_K), int32_t(SL_TYPE_Q8_1), 42}) {
        sl_status status = SL_OK;
        try {
            matmul_rows(sl_type(type), w, 256, x, 256, 1, y, 1, 0, 1);
        } catch (const sl::Error& e) {
            status = e.status();
        }
        CHECK_EQ(status, SL_ERR_UNSUPPORTED);
    }
}

}  // namespace

int main() {
    check_unsupported_weight_types();
    std::mt19937 rng(std::random_device{}());
    force_scalar_kernels(true);
    CHECK(std::string(active_kernels_name()) == "scalar");
    check_all_types(rng);
    force_scalar_kernels(false);
    if (cpu_has_avx2()) {
        // Every kernel set this CPU can run, the AVX2-only one forced even where better exists.
        cap_kernels(KernelLevel::kAvx2);
        CHECK(std::string(active_kernels_name()) == "avx2");
        check_all_types(rng);
        check_avx2_unpackers(rng);
        check_avx2_activation_quantizers(rng);
        cap_kernels(KernelLevel::kAvx512Vnni);
        if (active_kernel_level() == KernelLevel::kAvx512Vnni) {
            CHECK(std::string(active_kernels_name()) == "avx512vnni");
            check_all_types(rng);
        } else {
            std::printf("test_quant_matmul: no AVX-512 VNNI on this CPU, its kernels were not tested\n");
        }
        cap_kernels(KernelLevel::kBest);
    } else {
        std::printf("test_quant_matmul: no AVX2 on this CPU, only the scalar kernels were tested\n");
    }
    return sltest::finish("test_quant_matmul");
}
