// Interim scalar kernels for F32 and F16 only, so the forward pass can be built and tested before
// the full quantized kernels land (they replace this file). Every other type is unknown here.
#include <cstring>

#include "cpu/quant/quant.h"

namespace sl::cpu {
namespace {

constexpr TypeTraits kTraits[] = {
    {SL_TYPE_F32, "F32", 1, sizeof(float), true},
    {SL_TYPE_F16, "F16", 1, sizeof(_Float16), true},
};

float element(sl_type type, const void* row, int64_t i) {
    return type == SL_TYPE_F16 ? static_cast<float>(static_cast<const _Float16*>(row)[i])
                               : static_cast<const float*>(row)[i];
}

float dot(sl_type type, const void* w_row, const float* x, int64_t n) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i) sum += element(type, w_row, i) * x[i];
    return sum;
}

}  // namespace

const TypeTraits* type_traits(int32_t type) {
    for (const TypeTraits& t : kTraits)
        if (t.type == type) return &t;
    return nullptr;
}

uint64_t row_bytes(sl_type type, int64_t n) { return static_cast<uint64_t>(n) * type_traits(type)->block_bytes; }

void dequantize_row(sl_type type, const void* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] = element(type, src, i);
}

void quantize_row(sl_type type, const float* src, void* dst, int64_t n) {
    if (type == SL_TYPE_F32) {
        std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
        return;
    }
    auto* out = static_cast<_Float16*>(dst);
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<_Float16>(src[i]);
}

double dot_reference(sl_type type, const void* w_row, const float* x, int64_t n) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(element(type, w_row, i)) * x[i];
    return sum;
}

void matmul_rows(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok,
                 float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    const uint64_t stride = row_bytes(type, cols);
    for (int64_t r = r0; r < r1; ++r) {
        const void* w_row = static_cast<const uint8_t*>(W) + r * stride;
        for (int64_t t = 0; t < n_tok; ++t) Y[t * ldy + r] = dot(type, w_row, X + t * ldx, cols);
    }
}

// Interim: activations keep the weight's own type, so the "8-bit" path is the float path.
sl_type activation_type(sl_type weight_type) { return weight_type; }

void quantize_activations(sl_type act_type, const float* x, void* dst, int64_t n) {
    quantize_row(act_type, x, dst, n);
}

void matmul_rows_q8(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq_bytes,
                    int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    const uint64_t stride = row_bytes(type, cols);
    for (int64_t r = r0; r < r1; ++r) {
        const void* w_row = static_cast<const uint8_t*>(W) + r * stride;
        for (int64_t t = 0; t < n_tok; ++t) {
            const void* x_row = static_cast<const uint8_t*>(Xq) + t * ldxq_bytes;
            float sum = 0.0f;
            for (int64_t i = 0; i < cols; ++i) sum += element(type, w_row, i) * element(type, x_row, i);
            Y[t * ldy + r] = sum;
        }
    }
}

}  // namespace sl::cpu
