// The implementations of the matmul fast path behind quant.h's matmul_rows / matmul_rows_q8:
// plain C++ (matmul_scalar.cpp), AVX2+FMA+F16C (matmul_avx2.cpp), and for the 8-bit path AVX-512
// VNNI on 256-bit registers (matmul_avx512vnni.cpp). dispatch.cpp picks the best the CPU has per
// call from a CPUID check; tests, benchmarks and SLUICE_CPU_KERNELS=scalar|avx2 can cap it lower.
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
// The 8-bit kernels for AVX-512 VNNI + VL + BW; false for a type it has no kernel for.
bool matmul_q8_avx512vnni(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq_bytes,
                          int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1);

// Kernel sets, each needing more of the CPU than the one before.
enum class KernelLevel { kScalar, kAvx2, kAvx512Vnni, kBest };

// For tests and benchmarks: later calls use the best kernels the CPU has, but none above `cap`
// (kBest: no cap beyond the environment's SLUICE_CPU_KERNELS, read once).
void cap_kernels(KernelLevel cap);
// For tests: true is cap_kernels(kScalar), false cap_kernels(kBest).
void force_scalar_kernels(bool force);
// The level the next call will use, and its name ("scalar", "avx2" or "avx512vnni").
KernelLevel active_kernel_level();
const char* active_kernels_name();

}  // namespace sl::cpu
