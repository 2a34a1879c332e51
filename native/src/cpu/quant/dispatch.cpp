// Entry points of the fast path: check the type once per call, then run the best kernels the CPU
// has: AVX-512 VNNI for the 8-bit path where it has them (then AVX2 for the rest), AVX2 with FMA
// and F16C, or the scalar ones. The level can be capped lower for tests and benchmarks
// (cap_kernels) and by the environment (SLUICE_CPU_KERNELS=scalar|avx2|avx512vnni).
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/status.h"
#include "cpu/quant/kernels.h"
#include "cpu/quant/quant.h"

namespace sl::cpu {
namespace {

std::atomic<KernelLevel> level_cap{KernelLevel::kBest};

KernelLevel cpu_level() {
    static const KernelLevel level = [] {
        if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")))
            return KernelLevel::kScalar;
        if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx512bw"))
            return KernelLevel::kAvx512Vnni;
        return KernelLevel::kAvx2;
    }();
    return level;
}

KernelLevel environment_cap() {
    static const KernelLevel cap = [] {
        const char* v = std::getenv("SLUICE_CPU_KERNELS");
        if (!v) return KernelLevel::kBest;
        if (std::strcmp(v, "scalar") == 0) return KernelLevel::kScalar;
        if (std::strcmp(v, "avx2") == 0) return KernelLevel::kAvx2;
        return KernelLevel::kBest;
    }();
    return cap;
}

KernelLevel level() {
    KernelLevel l = cpu_level();
    const KernelLevel cap = level_cap.load(std::memory_order_relaxed);
    if (cap < l) l = cap;
    if (environment_cap() < l) l = environment_cap();
    return l;
}

void matmul_q8_vnni(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq, int64_t n_tok, float* Y,
                    int64_t ldy, int64_t r0, int64_t r1) {
    if (!matmul_q8_avx512vnni(type, W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1))
        kAvx2Kernels.matmul_q8(type, W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1);
}

void matmul_vnni(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok, float* Y,
                 int64_t ldy, int64_t r0, int64_t r1) {
    kAvx2Kernels.matmul(type, W, cols, X, ldx, n_tok, Y, ldy, r0, r1);  // the float path has no VNNI kernels
}

const MatmulKernels kVnniKernels{"avx512vnni", matmul_vnni, matmul_q8_vnni};

const MatmulKernels& kernels() {
    switch (level()) {
        case KernelLevel::kScalar: return kScalarKernels;
        case KernelLevel::kAvx2: return kAvx2Kernels;
        default: return kVnniKernels;
    }
}

void require_weight_type(sl_type type, const char* what) {
    const TypeTraits* traits = type_traits(type);
    if (!traits || !traits->is_weight_type) {
        raise(SL_ERR_UNSUPPORTED, "%s: tensor type %d is not a supported weight type", what, int(type));
    }
}

}  // namespace

void cap_kernels(KernelLevel cap) { level_cap.store(cap, std::memory_order_relaxed); }

void force_scalar_kernels(bool force) { cap_kernels(force ? KernelLevel::kScalar : KernelLevel::kBest); }

KernelLevel active_kernel_level() { return level(); }

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
