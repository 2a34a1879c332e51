// RoPE's rotation of one adjacent pair (llama.cpp's LLM_ARCH_LLAMA), shared by the rope kernel and
// decode attention, which rotates q and the new K row in registers.
#pragma once

#include "cuda/ops.h"

namespace sl::cuda {

// (cos, sin) of pair i's angle at position pos, computed in double like the CPU reference and the
// rope kernel, so all round the same angle.
__device__ __forceinline__ float2 rope_angle(const RopeArgs& r, int64_t pos, int64_t i) {
    // base^(-2i/n_rot) as exp2, a fraction of pow's instructions at the same double accuracy.
    double theta = static_cast<double>(pos) * r.freq_scale *
                   exp2(-2.0 * static_cast<double>(i) / r.n_rot * log2(static_cast<double>(r.freq_base)));
    if (r.factors) theta /= r.factors[i];
    double s, c;
    sincos(theta, &s, &c);
    return {static_cast<float>(c), static_cast<float>(s)};
}

// RoPE of one adjacent pair by the angle whose (cos, sin) is cs.
__device__ __forceinline__ float2 rotate(float x0, float x1, float2 cs) {
    return {x0 * cs.x - x1 * cs.y, x0 * cs.y + x1 * cs.x};
}

}  // namespace sl::cuda
