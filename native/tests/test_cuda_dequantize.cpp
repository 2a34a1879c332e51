// dequantize_rows_f16 and get_rows against the CPU reference, every weight type, on fresh random
// blocks and odd shapes: fp16 output bit-exact with the CPU-dequantized float (saturated to
// +-65504), get_rows bit-exact with it; outputs poisoned first, so every element must be written
// and nothing past the output touched. Skipped (77) without a usable GPU.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "core/half.h"
#include "core/status.h"
#include "cpu/quant/quant.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"
#include "formats/types.h"
#include "random_blocks.h"

namespace {

using namespace sl;
using sltest::DeviceBuffer;

constexpr uint16_t kHalfPoison = 0xFFFF;      // a NaN the reference never produces
constexpr uint32_t kFloatPoison = 0xFFFFFFFF;  // likewise

uint16_t saturated_half(float v) {
    if (std::fabs(v) > 65504.0f) v = std::copysign(65504.0f, v);
    return fp32_to_fp16(v);
}

struct Shape {
    int64_t rows, cols;
};

// Mismatching elements of one dequantize_rows_f16 call; prints the first.
int check_dequantize(sl_type type, const std::vector<uint8_t>& w, const Shape& s, int64_t n_rows) {
    const char* name = type_traits(type)->name;
    constexpr int64_t kGuard = 64;
    DeviceBuffer<uint8_t> dw(w);
    DeviceBuffer<uint16_t> dout(std::vector<uint16_t>(size_t(n_rows * s.cols + kGuard), kHalfPoison));
    cuda::dequantize_rows_f16(type, dw.get(), n_rows, s.cols, dout.get(), nullptr);
    const std::vector<uint16_t> got = dout.download();

    const uint64_t stride = row_bytes(type, s.cols);
    std::vector<float> ref(size_t(s.cols));
    int bad = 0, unwritten = 0;
    for (int64_t r = 0; r < n_rows; ++r) {
        cpu::dequantize_row(type, w.data() + r * stride, ref.data(), s.cols);
        for (int64_t c = 0; c < s.cols; ++c) {
            const uint16_t g = got[size_t(r * s.cols + c)], e = saturated_half(ref[size_t(c)]);
            if (g == e) continue;
            unwritten += g == kHalfPoison;
            if (bad++ == 0) {
                std::printf("  %s dequantize %lldx%lld (n_rows %lld): row %lld col %lld: got 0x%04x (%g), expected 0x%04x (%g from %.9g)\n",
                            name, (long long)s.rows, (long long)s.cols, (long long)n_rows, (long long)r, (long long)c, g,
                            fp16_to_fp32(g), e, fp16_to_fp32(e), ref[size_t(c)]);
            }
        }
    }
    int overrun = 0;
    for (int64_t i = n_rows * s.cols; i < n_rows * s.cols + kGuard; ++i) overrun += got[size_t(i)] != kHalfPoison;
    if (bad || overrun) std::printf("  %s dequantize: %d mismatches (%d unwritten), %d guard values overwritten\n", name, bad, unwritten, overrun);
    CHECK_EQ(bad, 0);
    CHECK_EQ(overrun, 0);
    return bad + overrun;
}

// Mismatching elements of one get_rows call over an embedding table; prints the first.
int check_get_rows(std::mt19937& rng, sl_type type, const std::vector<uint8_t>& table, const Shape& s) {
    const char* name = type_traits(type)->name;
    std::vector<int32_t> tokens = {0, int32_t(s.rows - 1), int32_t(s.rows / 2), int32_t(s.rows / 2)};
    for (int i = 0; i < 5; ++i) tokens.push_back(int32_t(rng() % uint32_t(s.rows)));
    const int64_t n_tok = int64_t(tokens.size()), ldo = s.cols + 3;
    std::vector<float> poison(size_t(n_tok * ldo));
    for (float& v : poison) std::memcpy(&v, &kFloatPoison, 4);
    DeviceBuffer<uint8_t> dtable(table);
    DeviceBuffer<int32_t> dtokens(tokens);
    DeviceBuffer<float> dout(poison);
    cuda::get_rows(type, dtable.get(), s.cols, dtokens.get(), n_tok, dout.get(), ldo, nullptr);
    const std::vector<float> got = dout.download();

    const uint64_t stride = row_bytes(type, s.cols);
    std::vector<float> ref(size_t(s.cols));
    int bad = 0, pad = 0;
    for (int64_t t = 0; t < n_tok; ++t) {
        cpu::dequantize_row(type, table.data() + tokens[size_t(t)] * stride, ref.data(), s.cols);
        for (int64_t c = 0; c < ldo; ++c) {
            const float g = got[size_t(t * ldo + c)];
            if (c >= s.cols) {
                pad += std::memcmp(&g, &kFloatPoison, 4) != 0;
            } else if (std::memcmp(&g, &ref[size_t(c)], 4) != 0 && bad++ == 0) {
                std::printf("  %s get_rows cols %lld: token %lld (row %d) col %lld: got %.9g, expected %.9g\n", name,
                            (long long)s.cols, (long long)t, tokens[size_t(t)], (long long)c, g, ref[size_t(c)]);
            }
        }
    }
    if (bad || pad) std::printf("  %s get_rows: %d mismatches, %d padding values overwritten\n", name, bad, pad);
    CHECK_EQ(bad, 0);
    CHECK_EQ(pad, 0);
    return bad + pad;
}

std::vector<Shape> shapes_for(sl_type type) {
    if (sltest::is_float_type(type)) return {{1, 1}, {7, 77}, {33, 1100}, {5, 4096}};
    if (type_traits(type)->block_elems == 32) return {{1, 32}, {7, 96}, {33, 2080}, {5, 4096}};
    return {{1, 256}, {7, 768}, {33, 2304}, {5, 4096}};
}

// F32 and BF16 values beyond fp16's range must saturate, not become infinities.
void check_saturation() {
    const float values[] = {1e6f, -1e6f, 65504.0f, 65519.0f, 65520.0f, -7e4f, INFINITY, -INFINITY, 3e38f, 1e-8f};
    const int64_t n = int64_t(std::size(values));
    std::vector<uint8_t> f32(sizeof(values)), bf16(size_t(n) * 2);
    std::memcpy(f32.data(), values, sizeof(values));
    cpu::quantize_row(SL_TYPE_BF16, values, bf16.data(), n);
    CHECK_EQ(check_dequantize(SL_TYPE_F32, f32, {1, n}, 1), 0);
    CHECK_EQ(check_dequantize(SL_TYPE_BF16, bf16, {1, n}, 1), 0);
}

void check_unsupported() {
    bool raised = false;
    try {
        cuda::dequantize_rows_f16(SL_TYPE_Q8_K, nullptr, 1, 256, nullptr, nullptr);
    } catch (const Error& e) {
        raised = e.status() == SL_ERR_UNSUPPORTED && std::strstr(e.what(), "Q8_K") != nullptr;
        if (!raised) std::printf("  unexpected error for Q8_K: %s\n", e.what());
    }
    CHECK(raised);
}

}  // namespace

int main() {
    if (const char* reason = sltest::cuda_skip_reason()) return sltest::skip("test_cuda_dequantize", reason);
    std::mt19937 rng(20240611);
    std::printf("%-5s %20s %10s\n", "type", "dequantize failures", "get_rows");
    for (sl_type type : sltest::kWeightTypes) {
        int dequant_bad = 0, rows_bad = 0;
        for (const Shape& s : shapes_for(type)) {
            const std::vector<uint8_t> w = sltest::random_weights(rng, type, s.rows, s.cols);
            dequant_bad += check_dequantize(type, w, s, s.rows);
            if (s.rows > 1) dequant_bad += check_dequantize(type, w, s, s.rows - 1);
            rows_bad += check_get_rows(rng, type, w, s);
        }
        std::printf("%-5s %20d %10d\n", type_traits(type)->name, dequant_bad, rows_bad);
    }
    check_saturation();
    check_unsupported();
    return sltest::finish("test_cuda_dequantize");
}
