// quantize_row for every type, and the activation quantizers of the int8 matmul path.
#include "core/half.h"
#include "core/status.h"
#include "cpu/quant/kernels.h"
#include "cpu/quant/quant.h"
#include "cpu/quant/quantize_blocks.h"

namespace sl::cpu {

void quantize_row(sl_type type, const float* src, void* dst, int64_t n) {
    auto* halves = static_cast<uint16_t*>(dst);
    switch (type) {
        case SL_TYPE_F32:
            for (int64_t i = 0; i < n; ++i) static_cast<float*>(dst)[i] = src[i];
            return;
        case SL_TYPE_F16:
            for (int64_t i = 0; i < n; ++i) halves[i] = fp32_to_fp16(src[i]);
            return;
        case SL_TYPE_BF16:
            for (int64_t i = 0; i < n; ++i) halves[i] = fp32_to_bf16(src[i]);
            return;
        default:
            break;
    }
    const TypeTraits* traits = type_traits(type);
    QuantizeBlockFn encode = legacy_block_quantizer(type);
    if (!encode) encode = k_block_quantizer(type);
    if (!traits || !encode) raise(SL_ERR_UNSUPPORTED, "quantize_row: unsupported tensor type %d", int(type));
    auto* bytes = static_cast<uint8_t*>(dst);
    for (int64_t b = 0; b < n / traits->block_elems; ++b) {
        encode(src + b * traits->block_elems, bytes + b * traits->block_bytes);
    }
}

void quantize_activations(sl_type act_type, const float* x, void* dst, int64_t n) {
    if (act_type != SL_TYPE_Q8_0 && act_type != SL_TYPE_Q8_K && act_type != SL_TYPE_F32) {
        raise(SL_ERR_INVALID_ARGUMENT, "quantize_activations: %d is not an activation type", int(act_type));
    }
    if (active_kernel_level() >= KernelLevel::kAvx2 && quantize_activations_avx2(act_type, x, dst, n)) return;
    quantize_row(act_type, x, dst, n);
}

}  // namespace sl::cpu
