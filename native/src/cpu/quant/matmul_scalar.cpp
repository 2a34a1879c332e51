// The portable fast path: each weight row is decoded once (dequantize_row, or unpack for the int8
// path) and then applied to every token.
#include <cstring>

#include "core/half.h"
#include "formats/block_layouts.h"
#include "cpu/quant/kernels.h"
#include "cpu/quant/quant.h"
#include "cpu/quant/scratch.h"
#include "cpu/quant/unpack.h"

namespace sl::cpu {
namespace {

float dot_f32(const float* a, const float* b, int64_t n) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

void matmul_scalar(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok,
                   float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    const uint64_t stride = row_bytes(type, cols);
    auto* row = static_cast<float*>(thread_scratch(ScratchSlot::kRowValues, size_t(cols) * sizeof(float)));
    for (int64_t r = r0; r < r1; ++r) {
        dequantize_row(type, static_cast<const uint8_t*>(W) + r * stride, row, cols);
        for (int64_t t = 0; t < n_tok; ++t) Y[t * ldy + r] = dot_f32(row, X + t * ldx, cols);
    }
}

// One quantized activation row: Q8_0 (fp16 scale per 32) or Q8_K (float scale per 256).
struct ActivationRow {
    const uint8_t* bytes;
    bool is_q8_K;

    int block_elems() const { return is_q8_K ? kQK_K : kQK; }
    const int8_t* quants(int64_t block) const {
        return is_q8_K ? reinterpret_cast<const BlockQ8_K*>(bytes)[block].qs
                       : reinterpret_cast<const BlockQ8_0*>(bytes)[block].qs;
    }
    float scale(int64_t block) const {
        return is_q8_K ? reinterpret_cast<const BlockQ8_K*>(bytes)[block].d
                       : fp16_to_fp32(reinterpret_cast<const BlockQ8_0*>(bytes)[block].d);
    }
};

// sum over sub-blocks s of dx * (scale[s] * sum(q_w * q_x) - min[s] * sum(q_x)).
float dot_unpacked(const UnpackedRow& w, int sub_len, const ActivationRow& x, int64_t cols) {
    const int act_elems = x.block_elems();
    float sum = 0.0f;
    for (int64_t a = 0; a < cols / act_elems; ++a) {
        const int8_t* xq = x.quants(a);
        const int8_t* wq = w.q + a * act_elems;
        float block_sum = 0.0f;
        for (int e0 = 0; e0 < act_elems; e0 += sub_len) {
            int32_t products = 0, x_sum = 0;
            for (int e = e0; e < e0 + sub_len; ++e) {
                products += int32_t(wq[e]) * xq[e];
                x_sum += xq[e];
            }
            const int64_t s = (a * act_elems + e0) / sub_len;
            block_sum += w.scale[s] * float(products) - w.min[s] * float(x_sum);
        }
        sum += x.scale(a) * block_sum;
    }
    return sum;
}

void matmul_q8_scalar(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq_bytes,
                      int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    const QuantFormat& format = *quant_format(type);
    const uint64_t stride = row_bytes(type, cols);
    const size_t n_sub = size_t(cols / format.sub_len);
    const UnpackedRow row{static_cast<int8_t*>(thread_scratch(ScratchSlot::kRowValues, size_t(cols))),
                          static_cast<float*>(thread_scratch(ScratchSlot::kRowScales, n_sub * sizeof(float))),
                          static_cast<float*>(thread_scratch(ScratchSlot::kRowMins, n_sub * sizeof(float)))};
    const bool is_q8_K = activation_type(type) == SL_TYPE_Q8_K;
    for (int64_t r = r0; r < r1; ++r) {
        unpack_row(format, static_cast<const uint8_t*>(W) + r * stride, cols, row);
        for (int64_t t = 0; t < n_tok; ++t) {
            const ActivationRow x{static_cast<const uint8_t*>(Xq) + t * ldxq_bytes, is_q8_K};
            Y[t * ldy + r] = dot_unpacked(row, format.sub_len, x, cols);
        }
    }
}

}  // namespace

const MatmulKernels kScalarKernels{"scalar", matmul_scalar, matmul_q8_scalar};

}  // namespace sl::cpu
