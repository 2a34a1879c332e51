// Decode matrix-vector products for F32, F16 and BF16 weights against float activations, fp32
// accumulation. One warp per row, eight rows per CUDA block; each lane streams 16-byte weight
// vectors (evict-first, so the activations keep the L1), four loads in flight per lane (2 KB per
// warp) before any is used, the first four before the kernel waits for the one before it. Rows
// whose vectors would be misaligned (odd cols, unaligned x) take a scalar path.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "core/status.h"
#include "cuda/cuda_check.h"
#include "cuda/device_bits.cuh"
#include "cuda/launch.cuh"
#include "cuda/matvec_float.h"
#include "cuda/matvec_parts.cuh"
#include "cuda/ops.h"

namespace sl::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kUnroll = 4;

template <sl_type T>
struct FloatWeight;

template <>
struct FloatWeight<SL_TYPE_F32> {
    using Elem = float;
    static constexpr int kPerVec = 4;
    __device__ static void unpack(uint4 v, float (&f)[4]) {
        f[0] = __uint_as_float(v.x), f[1] = __uint_as_float(v.y), f[2] = __uint_as_float(v.z), f[3] = __uint_as_float(v.w);
    }
    __device__ static float at(const Elem* w, int64_t i) { return w[i]; }
};

template <>
struct FloatWeight<SL_TYPE_F16> {
    using Elem = uint16_t;
    static constexpr int kPerVec = 8;
    __device__ static void unpack(uint4 v, float (&f)[8]) {
        const uint32_t u[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const float2 p = __half22float2(*reinterpret_cast<const __half2*>(&u[i]));
            f[2 * i] = p.x, f[2 * i + 1] = p.y;
        }
    }
    __device__ static float at(const Elem* w, int64_t i) { return __half2float(__ushort_as_half(w[i])); }
};

template <>
struct FloatWeight<SL_TYPE_BF16> {
    using Elem = uint16_t;
    static constexpr int kPerVec = 8;
    __device__ static void unpack(uint4 v, float (&f)[8]) {
        const uint32_t u[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; ++i) f[2 * i] = __uint_as_float(u[i] << 16), f[2 * i + 1] = __uint_as_float(u[i] & 0xFFFF0000u);
    }
    __device__ static float at(const Elem* w, int64_t i) { return __uint_as_float(uint32_t(w[i]) << 16); }
};

template <sl_type T, int NTOK, bool kVector, int NORM, int WARPS = NORM == kNormFold ? kFoldWarps : kWarps>
__global__ void __launch_bounds__(32 * WARPS) matvec_float_kernel(MatvecParts parts, MatvecNorm norm, int64_t cols,
                                                                  const float* __restrict__ x, int64_t ldx,
                                                                  bool accumulate) {
    using F = FloatWeight<T>;
    const int lane = threadIdx.x % 32;
    const MatvecRow r = matvec_row(parts, WARPS, threadIdx.x / 32);
    if (!r.valid) return;  // never with a folded norm, whose blocks are whole groups of rows
    const auto* w_row = reinterpret_cast<const typename F::Elem*>(r.w) + r.row * cols;

    float acc[NTOK];
#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;

    if constexpr (kVector) {
        constexpr int E = F::kPerVec;
        const auto* vecs = reinterpret_cast<const uint4*>(w_row);
        const int64_t n_vecs = cols / E;
        uint4 v[kUnroll];
        auto load = [&](int64_t v0) {
#pragma unroll
            for (int u = 0; u < kUnroll; ++u) {
                const int64_t i = v0 + 32 * u + lane;
                if (i < n_vecs) v[u] = __ldcs(vecs + i);
            }
        };
        load(0);  // the weights are no kernel's output: on their way before the wait
        pdl_wait();
        pdl_launch_dependents();
        load_norm_inputs<NORM>(norm, r, lane);
        for (int64_t v0 = 0; v0 < n_vecs; v0 += 32 * kUnroll) {
#pragma unroll
            for (int u = 0; u < kUnroll; ++u) {
                const int64_t i = v0 + 32 * u + lane;
                if (i >= n_vecs) break;
                float f[E];
                F::unpack(v[u], f);
#pragma unroll
                for (int t = 0; t < NTOK; ++t) {
                    const auto* xv = reinterpret_cast<const float4*>(x + t * ldx + i * E);
#pragma unroll
                    for (int k = 0; k < E / 4; ++k) {
                        const float4 a = __ldg(xv + k);
                        acc[t] += f[4 * k] * a.x + f[4 * k + 1] * a.y + f[4 * k + 2] * a.z + f[4 * k + 3] * a.w;
                    }
                }
            }
            if (v0 + 32 * kUnroll < n_vecs) load(v0 + 32 * kUnroll);
        }
    } else {
        pdl_wait();
        pdl_launch_dependents();
        load_norm_inputs<NORM>(norm, r, lane);
        for (int64_t i = lane; i < cols; i += 32) {
            const float f = F::at(w_row, i);
#pragma unroll
            for (int t = 0; t < NTOK; ++t) acc[t] += f * x[t * ldx + i];
        }
    }

    store_row<NORM>(norm, r, lane, acc, accumulate);
}

template <sl_type T, int NTOK = 1>
void launch(int n_tok, bool vector, const MatvecParts& parts, const MatvecNorm& norm, int64_t cols, const float* x,
            int64_t ldx, bool accumulate, cudaStream_t stream) {
    if constexpr (NTOK < kMaxMatvecTokens) {
        if (n_tok > NTOK) return launch<T, NTOK + 1>(n_tok, vector, parts, norm, cols, x, ldx, accumulate, stream);
    }
    auto kernel = vector ? matvec_float_kernel<T, NTOK, true, kNormNone> : matvec_float_kernel<T, NTOK, false, kNormNone>;
    int warps = kWarps;
    if constexpr (NTOK == 1) {
        const int kind = norm_kind(norm);
        if (kind == kNormScale)
            kernel = vector ? matvec_float_kernel<T, 1, true, kNormScale> : matvec_float_kernel<T, 1, false, kNormScale>;
        if (kind == kNormFold) {
            kernel = vector ? matvec_float_kernel<T, 1, true, kNormFold> : matvec_float_kernel<T, 1, false, kNormFold>;
            warps = kFoldWarps;
        }
    }
    launch_overlapped("matvec_float", kernel, parts.blocks, 32 * warps, 0, stream, parts, norm, cols, x, ldx, accumulate);
}

}  // namespace

void matvec_float(sl_type type, std::span<const MatvecPart> parts, int64_t cols, const float* x, int64_t ldx,
                  int n_tok, bool accumulate, cudaStream_t stream, const MatvecNorm& norm) {
    const int per_vec = type == SL_TYPE_F32 ? 4 : 8;
    // 16-byte vectors need every row and every activation row to start 16-byte aligned.
    bool vector = cols % per_vec == 0 && reinterpret_cast<uintptr_t>(x) % 16 == 0 && ldx % 4 == 0;
    for (const MatvecPart& p : parts) vector = vector && reinterpret_cast<uintptr_t>(p.w) % 16 == 0;
    const MatvecParts list = matvec_parts(parts, norm.fold.weight ? kFoldWarps : kWarps, norm);
    switch (type) {
        case SL_TYPE_F32: return launch<SL_TYPE_F32>(n_tok, vector, list, norm, cols, x, ldx, accumulate, stream);
        case SL_TYPE_F16: return launch<SL_TYPE_F16>(n_tok, vector, list, norm, cols, x, ldx, accumulate, stream);
        case SL_TYPE_BF16: return launch<SL_TYPE_BF16>(n_tok, vector, list, norm, cols, x, ldx, accumulate, stream);
        default: raise(SL_ERR_INTERNAL, "matvec_float: type %d is not a float type", int(type));
    }
}

}  // namespace sl::cuda
