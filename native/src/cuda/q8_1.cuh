// Writing ggml's block_q8_1 from a warp: lane i holds element i of the block (or from eight lanes
// of four values each). Shared by the
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

// The same block from eight consecutive lanes (lane8 = lane % 8 is which) holding four consecutive
// values each, as float4 loads leave them; `mask` names the warp's lanes that take part (whole
// groups of eight). Bit-exact with warp_store_q8_1.
__device__ __forceinline__ void group8_store_q8_1(float4 v, int lane8, unsigned mask, uint8_t* out) {
    float amax = fmaxf(fmaxf(fabsf(v.x), fabsf(v.y)), fmaxf(fabsf(v.z), fabsf(v.w)));
#pragma unroll
    for (int offset = 4; offset > 0; offset >>= 1) amax = fmaxf(amax, __shfl_xor_sync(mask, amax, offset));
    const float d = amax / 127.0f;
    const auto q = [&](float x) { return amax == 0.0f ? 0 : int(roundf(x / d)); };
    const int q0 = q(v.x), q1 = q(v.y), q2 = q(v.z), q3 = q(v.w);
    int sum = q0 + q1 + q2 + q3;
#pragma unroll
    for (int offset = 4; offset > 0; offset >>= 1) sum += __shfl_xor_sync(mask, sum, offset);
    *reinterpret_cast<uint32_t*>(out + 4 + 4 * lane8) =
        uint32_t(uint8_t(q0)) | uint32_t(uint8_t(q1)) << 8 | uint32_t(uint8_t(q2)) << 16 | uint32_t(uint8_t(q3)) << 24;
    if (lane8 == 0) {
        const uint32_t ds = uint32_t(__half_as_ushort(__float2half_rn(d))) |
                            uint32_t(__half_as_ushort(__float2half_rn(d * float(sum)))) << 16;
        *reinterpret_cast<uint32_t*>(out) = ds;
    }
}

}  // namespace sl::cuda
