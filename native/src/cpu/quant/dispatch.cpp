// Entry points of the fast path: check the type once per call, then run the AVX2 kernels when the
// CPU has AVX2, FMA and F16C, the scalar ones otherwise.
#include <atomic>

#include "core/status.h"
#include "cpu/quant/kernels.h"
#include "cpu/quant/quant.h"

namespace sl::cpu {
namespace {

std::atomic<bool> scalar_forced{false};

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                            __builtin_cpu_supports("f16c");
    return has;
}

const MatmulKernels& kernels() {
    return cpu_has_avx2() && !scalar_forced.load(std::memory_order_relaxed) ? kAvx2Kernels : kScalarKernels;
}

void require_weight_type(sl_type type, const char* what) {
    const TypeTraits* traits = type_traits(type);
    if (!traits || !traits->is_weight_type) {
        raise(SL_ERR_UNSUPPORTED, "%s: tensor type %d is not a supported weight type", what, int(type));
    }
}

}  // namespace

void force_scalar_kernels(bool force) { scalar_forced.store(force, std::memory_order_relaxed); }

const char* active_kernels_name() { return kernels().name; }

void matmul_rows(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok,
                 float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    require_weight_type(type, "matmul_rows");
    kernels().matmul(type, W, cols, X, ldx, n_tok, Y, ldy, r0, r1);
}

void matmul_rows_q8(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq_bytes,
                    int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    require_weight_type(type, "matmul_rows_q8");
    if (activation_type(type) == SL_TYPE_F32) {  // F32/F16/BF16 weights take float activations
        const auto* X = static_cast<const float*>(Xq);
        kernels().matmul(type, W, cols, X, ldxq_bytes / int64_t(sizeof(float)), n_tok, Y, ldy, r0, r1);
        return;
    }
    kernels().matmul_q8(type, W, cols, Xq, ldxq_bytes, n_tok, Y, ldy, r0, r1);
}

}  // namespace sl::cpu
