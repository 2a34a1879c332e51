// The 8-bit activation kernels of q8_kernels_x86.h built for AVX-512 VNNI on 256-bit registers
// (vpdpbusd, vpdpwssd; AVX-512VL gives 32 ymm registers, so eight tokens share each decoded
// block). Compiled with -mavx512vnni -mavx512vl -mavx512bw; called only after the CPUID check in
// dispatch.cpp. Types without a kernel here return false and take the AVX2 path.
#define SLUICE_Q8_VNNI 1
#include "cpu/quant/q8_kernels_x86.h"

#include "cpu/quant/kernels.h"

namespace sl::cpu {

bool matmul_q8_avx512vnni(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq_bytes,
                          int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    return q8_matmul_x86<IsaVnni>(type, W, cols, Xq, ldxq_bytes, n_tok, Y, ldy, r0, r1);
}

}  // namespace sl::cpu
