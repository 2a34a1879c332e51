// Writing ggml's block_q8_1 from a warp: lane i holds element i of the block. Shared by the
// quantize kernel and the ops that emit Q8_1 beside their float output (RMSNorm, SwiGLU), so the
// next matmul needs no quantize launch of its own.
#pragma once

#include <cuda_fp16.h>

#include <cstdint>

namespace sl::cuda {

// d = amax / 127, q = round(x / d), s = d * sum(q); d and s stored as fp16 in the first 4 bytes.
__device__ __forceinline__ void warp_store_q8_1(float v, int lane, uint8_t* out) {
    float amax = fabsf(v);
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, offset));
    const float d = amax / 127.0f;
    const int q = amax == 0.0f ? 0 : int(roundf(v / d));
    int sum = q;
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    out[4 + lane] = uint8_t(int8_t(q));
    if (lane == 0) {
        auto* ds = reinterpret_cast<uint16_t*>(out);
        ds[0] = __half_as_ushort(__float2half_rn(d));
        ds[1] = __half_as_ushort(__float2half_rn(d * float(sum)));
    }
}

}  // namespace sl::cuda
