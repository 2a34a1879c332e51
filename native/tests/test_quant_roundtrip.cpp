// quantize_row -> dequantize_row stays within each type's precision; degenerate input never
// produces NaN/Inf; sl_type_size / sl_quantize validate their arguments.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "cpu/quant/quant.h"
#include "sluice/sluice.h"

namespace {

using namespace sl;
using namespace sl::cpu;

std::vector<uint8_t> quantized(sl_type type, const std::vector<float>& x) {
    std::vector<uint8_t> q(row_bytes(type, int64_t(x.size())));
    quantize_row(type, x.data(), q.data(), int64_t(x.size()));
    return q;
}

std::vector<float> round_trip(sl_type type, const std::vector<float>& x) {
    std::vector<uint8_t> q = quantized(type, x);
    std::vector<float> y(x.size());
    dequantize_row(type, q.data(), y.data(), int64_t(x.size()));
    return y;
}

// RMS error relative to the RMS of the input.
double relative_rms_error(const std::vector<float>& x, const std::vector<float>& y) {
    double err = 0, ref = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        err += double(x[i] - y[i]) * double(x[i] - y[i]);
        ref += double(x[i]) * double(x[i]);
    }
    return std::sqrt(err / ref);
}

bool all_finite(const std::vector<float>& y) {
    for (float v : y) {
        if (!std::isfinite(v)) return false;
    }
    return true;
}

// Bounds follow from each grid: an error of about step / sqrt(12) with the step set by the range
// of a (sub-)block of Gaussian data, plus the rounding of the scales themselves.
struct Precision {
    sl_type type;
    double max_relative_rms;
};
constexpr Precision kPrecisions[] = {
    {SL_TYPE_F32, 0.0},    {SL_TYPE_F16, 5e-4},   {SL_TYPE_BF16, 4e-3},  {SL_TYPE_Q8_0, 0.008},
    {SL_TYPE_Q4_0, 0.12},  {SL_TYPE_Q4_1, 0.10},  {SL_TYPE_Q5_0, 0.06},  {SL_TYPE_Q5_1, 0.05},
    {SL_TYPE_Q2_K, 0.35},  {SL_TYPE_Q3_K, 0.19},  {SL_TYPE_Q4_K, 0.095}, {SL_TYPE_Q5_K, 0.048},
    {SL_TYPE_Q6_K, 0.024}, {SL_TYPE_Q8_K, 0.008},
};

void test_round_trip_precision() {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(8192);
    for (float& v : x) v = normal(rng) * 0.02f;
    for (const Precision& p : kPrecisions) {
        const std::vector<float> y = round_trip(p.type, x);
        const double err = relative_rms_error(x, y);
        std::printf("  %-5s relative RMS error %.5f (bound %.5f)\n", type_traits(p.type)->name, err, p.max_relative_rms);
        CHECK(err <= p.max_relative_rms);
        // A grid coarser than the data must still be exact on values it can represent: zeros.
        const std::vector<float> zeros = round_trip(p.type, std::vector<float>(512, 0.0f));
        CHECK(zeros == std::vector<float>(512, 0.0f));
    }
}

void test_degenerate_input_gives_finite_scales() {
    std::vector<float> huge(512), with_nan(512), with_inf(512);
    for (size_t i = 0; i < 512; ++i) {
        huge[i] = (i % 3 ? 1e30f : -3e38f);
        with_nan[i] = float(i) * 0.01f;
        with_inf[i] = float(i) * 0.01f;
    }
    with_nan[5] = std::numeric_limits<float>::quiet_NaN();
    with_inf[300] = -std::numeric_limits<float>::infinity();
    for (const Precision& p : kPrecisions) {
        if (p.type == SL_TYPE_F32 || p.type == SL_TYPE_F16 || p.type == SL_TYPE_BF16) continue;
        CHECK(all_finite(round_trip(p.type, huge)));
        CHECK(all_finite(round_trip(p.type, with_nan)));
        CHECK(all_finite(round_trip(p.type, with_inf)));
    }
}

// The 8-bit activation formats: Q8_K's bsums are the sums of 16 quants, and no quant is -128.
void test_activation_formats() {
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> uniform(-3.0f, 3.0f);
    std::vector<float> x(512);
    for (float& v : x) v = uniform(rng);
    x[17] = -5.0f;  // the block's extreme is negative
    CHECK_EQ(activation_type(SL_TYPE_Q4_0), SL_TYPE_Q8_0);
    CHECK_EQ(activation_type(SL_TYPE_Q5_1), SL_TYPE_Q8_0);
    CHECK_EQ(activation_type(SL_TYPE_Q8_0), SL_TYPE_Q8_0);
    CHECK_EQ(activation_type(SL_TYPE_Q2_K), SL_TYPE_Q8_K);
    CHECK_EQ(activation_type(SL_TYPE_Q6_K), SL_TYPE_Q8_K);
    CHECK_EQ(activation_type(SL_TYPE_F16), SL_TYPE_F32);
    for (sl_type act : {SL_TYPE_Q8_0, SL_TYPE_Q8_K}) {
        std::vector<uint8_t> q(row_bytes(act, 512));
        quantize_activations(act, x.data(), q.data(), 512);
        const size_t block_bytes = type_traits(act)->block_bytes;
        const size_t qs_at = act == SL_TYPE_Q8_0 ? 2 : 4;
        const int block_elems = int(type_traits(act)->block_elems);
        int minus128 = 0, bad_sums = 0;
        for (int b = 0; b < 512 / block_elems; ++b) {
            const auto* qs = reinterpret_cast<const int8_t*>(q.data() + b * block_bytes + qs_at);
            for (int i = 0; i < block_elems; ++i) minus128 += qs[i] == -128;
            if (act != SL_TYPE_Q8_K) continue;
            for (int s = 0; s < 16; ++s) {
                int sum = 0;
                for (int i = 0; i < 16; ++i) sum += qs[16 * s + i];
                int16_t stored;
                std::memcpy(&stored, q.data() + b * block_bytes + 4 + 256 + 2 * s, 2);
                bad_sums += stored != sum;
            }
        }
        CHECK_EQ(minus128, 0);
        CHECK_EQ(bad_sums, 0);
    }
}

bool message_mentions(const char* text) { return std::string(sl_last_error()).find(text) != std::string::npos; }

void test_abi() {
    uint64_t bytes = 0;
    CHECK_EQ(sl_type_size(SL_TYPE_Q4_K, 512, &bytes), SL_OK);
    CHECK_EQ(bytes, 288u);
    CHECK_EQ(sl_type_size(SL_TYPE_F16, 3, &bytes), SL_OK);
    CHECK_EQ(bytes, 6u);
    CHECK_EQ(sl_type_size(SL_TYPE_Q4_0, 48, &bytes), SL_ERR_INVALID_ARGUMENT);
    CHECK(message_mentions("multiple of 32"));
    CHECK_EQ(sl_type_size(SL_TYPE_Q4_0, -32, &bytes), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_type_size(5, 32, &bytes), SL_ERR_UNSUPPORTED);
    CHECK(message_mentions("type 5"));
    CHECK_EQ(sl_type_size(SL_TYPE_Q8_1, 32, &bytes), SL_ERR_UNSUPPORTED);
    CHECK_EQ(sl_type_size(SL_TYPE_Q4_0, 32, nullptr), SL_ERR_INVALID_ARGUMENT);

    std::vector<float> x(256, 0.5f);
    std::vector<uint8_t> dst(144);
    CHECK_EQ(sl_quantize(SL_TYPE_Q4_K, x.data(), 256, dst.data(), dst.size()), SL_OK);
    CHECK(dst == quantized(SL_TYPE_Q4_K, x));
    CHECK_EQ(sl_quantize(SL_TYPE_Q4_K, x.data(), 256, dst.data(), 143), SL_ERR_INVALID_ARGUMENT);
    CHECK(message_mentions("need 144"));
    CHECK_EQ(sl_quantize(SL_TYPE_Q4_K, x.data(), 128, dst.data(), dst.size()), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_quantize(99, x.data(), 256, dst.data(), dst.size()), SL_ERR_UNSUPPORTED);
    CHECK_EQ(sl_quantize(SL_TYPE_Q4_K, nullptr, 256, dst.data(), dst.size()), SL_ERR_INVALID_ARGUMENT);
    CHECK(message_mentions("src is NULL"));
    CHECK_EQ(sl_quantize(SL_TYPE_Q4_K, x.data(), 256, nullptr, dst.size()), SL_ERR_INVALID_ARGUMENT);
    x[7] = std::numeric_limits<float>::quiet_NaN();
    CHECK_EQ(sl_quantize(SL_TYPE_Q4_K, x.data(), 256, dst.data(), dst.size()), SL_ERR_INVALID_ARGUMENT);
    CHECK(message_mentions("src[7] is NaN"));
    CHECK_EQ(sl_quantize(SL_TYPE_Q4_K, x.data(), 0, nullptr, 0), SL_OK);
}

}  // namespace

int main() {
    test_round_trip_precision();
    test_degenerate_input_gives_finite_scales();
    test_activation_formats();
    test_abi();
    return sltest::finish("test_quant_roundtrip");
}
