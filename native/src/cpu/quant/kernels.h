// The implementations of the matmul fast path behind quant.h's matmul_rows / matmul_rows_q8:
// plain C++ (matmul_scalar.cpp) and AVX2+FMA+F16C (matmul_avx2.cpp). dispatch.cpp picks one per
// call from a CPUID check; tests can force the scalar one.
#pragma once

#include <cstdint>

#include "sluice/sluice.h"

namespace sl::cpu {

using MatmulFn = void (*)(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok,
                          float* Y, int64_t ldy, int64_t r0, int64_t r1);
// Only called for block-quantized weight types (their activations are Q8_0 or Q8_K).
using MatmulQ8Fn = void (*)(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq_bytes,
                            int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1);

struct MatmulKernels {
    const char* name;
    MatmulFn matmul;
    MatmulQ8Fn matmul_q8;
};

extern const MatmulKernels kScalarKernels;
extern const MatmulKernels kAvx2Kernels;

// For tests: true makes every later call use the scalar kernels, false restores CPU detection.
void force_scalar_kernels(bool force);
// The kernels the next call will use ("scalar" or "avx2").
const char* active_kernels_name();

}  // namespace sl::cpu
