// Scalar dequantization and the float64 reference dot product.
#include <cstring>
#include <vector>

#include "core/half.h"
#include "core/status.h"
#include "formats/block_layouts.h"
#include "cpu/quant/quant.h"
#include "cpu/quant/unpack.h"

namespace sl::cpu {
namespace {

void dequantize_blocks(const QuantFormat& format, const void* src, float* dst, int64_t n) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    int8_t q[kQK_K];
    float scale[kQK_K / 16], min[kQK_K / 16];
    for (int64_t b = 0; b < n / format.block_elems; ++b) {
        format.unpack(bytes + b * format.block_bytes, q, scale, min);
        float* out = dst + b * format.block_elems;
        for (int e = 0; e < format.block_elems; ++e) {
            const int s = e / format.sub_len;
            out[e] = scale[s] * float(q[e]) - min[s];
        }
    }
}

}  // namespace

void dequantize_row(sl_type type, const void* src, float* dst, int64_t n) {
    const auto* halves = static_cast<const uint16_t*>(src);
    switch (type) {
        case SL_TYPE_F32:
            std::memcpy(dst, src, size_t(n) * sizeof(float));
            return;
        case SL_TYPE_F16:
            for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(halves[i]);
            return;
        case SL_TYPE_BF16:
            for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(halves[i]);
            return;
        default:
            break;
    }
    const QuantFormat* format = quant_format(type);
    if (!format) raise(SL_ERR_UNSUPPORTED, "dequantize_row: unsupported tensor type %d", int(type));
    dequantize_blocks(*format, src, dst, n);
}

double dot_reference(sl_type type, const void* w_row, const float* x, int64_t n) {
    std::vector<float> w(static_cast<size_t>(n));
    dequantize_row(type, w_row, w.data(), n);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += double(w[size_t(i)]) * double(x[i]);
    return sum;
}

}  // namespace sl::cpu
