// The Q8_1 activations of the matvec kernels that read their weights straight into registers
// (matvec_q4_k.cu, matvec_q6_k.cu, matvec_legacy.cu), and their launch.
//
// When the n_tok rows fit in kStagedQ8_1Bytes, the block first copies them into shared memory as
// plain int8 rows beside every block's (d, s) pair: 16-byte aligned, so a lane reads 16 activations
// in one load instead of four scattered ones through L1 (36-byte Q8_1 blocks are only 4-byte
// aligned). Longer rows are read from global memory as stored.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "cuda/launch.cuh"
#include "cuda/matvec_parts.cuh"
#include "cuda/ops.h"

namespace sl::cuda {

inline constexpr int kStagedQ8_1Bytes = 48 * 1024;  // staged in shared memory up to this size

// Where a lane finds the activations of Q8_1 block k of token t: in global memory as stored, or in
// shared memory as int8 rows (cols bytes each) followed by every block's (d, s) pair; ds() gives a
// pair as floats.
struct GlobalQ8_1 {
    const uint8_t* xq;
    int64_t row_bytes;
    __device__ int4 quants16(int t, int64_t k, int half) const {  // 16 values from element 16 * half
        const auto* p = reinterpret_cast<const int*>(xq + t * row_bytes + k * kQ8_1BlockBytes + 4 + 16 * half);
        return make_int4(p[0], p[1], p[2], p[3]);
    }
    __device__ float2 ds(int t, int64_t k) const {
        return __half22float2(*reinterpret_cast<const __half2*>(xq + t * row_bytes + k * kQ8_1BlockBytes));
    }
    __device__ int4 unit16(int t, int64_t u) const { return quants16(t, u / 2, int(u % 2)); }  // 16 values from 16u
    __device__ void ds2(int t, int64_t k, float2& a, float2& b) const { a = ds(t, k), b = ds(t, k + 1); }
};

struct StagedQ8_1 {
    const int8_t* qs;      // [NTOK][cols]
    const __half2* pairs;  // [NTOK][cols / 32]
    int64_t cols;
    __device__ int4 quants16(int t, int64_t k, int half) const {
        return *reinterpret_cast<const int4*>(qs + t * cols + k * kQ8_1BlockElems + 16 * half);
    }
    __device__ float2 ds(int t, int64_t k) const { return __half22float2(pairs[t * (cols / kQ8_1BlockElems) + k]); }
    __device__ int4 unit16(int t, int64_t u) const {  // the 16 values kept at unit u of row t
        return *reinterpret_cast<const int4*>(qs + t * cols + 16 * u);
    }
    // The pairs of blocks k and k + 1 in one 8-byte load: k and cols / 32 even.
    __device__ void ds2(int t, int64_t k, float2& a, float2& b) const {
        const uint2 v = *reinterpret_cast<const uint2*>(pairs + t * (cols / kQ8_1BlockElems) + k);
        a = __half22float2(*reinterpret_cast<const __half2*>(&v.x)), b = __half22float2(*reinterpret_cast<const __half2*>(&v.y));
    }
};

// A staged row may keep its 16-byte units permuted within each 128-byte line, unit u at
// swizzled_q8_1_unit(u), for a kernel whose quarter warps would otherwise read several units of one
// bank group at once (matvec_q4_k.cu, which says which pattern this serves); each row on its own
// (rows of a multiple of 128 activations: whole lines).
__host__ __device__ constexpr int64_t swizzled_q8_1_unit(int64_t u) { return u ^ ((u >> 1 & 4) ^ (u >> 4 & 7)); }

// Shared memory that NTOK staged rows of `cols` activations take: int8 rows, then (d, s) pairs (kept
// as floats, twice the bytes, they decoded Q4_K_M 5% and Q4_0 4% slower: PERF run 20).
inline int64_t staged_q8_1_bytes(int ntok, int64_t cols) {
    return ntok * cols / kQ8_1BlockElems * (kQ8_1BlockElems + 4);
}

// The block's view of the NTOK rows at xq. Staged: every one of the block's THREADS must call it (it
// copies one Q8_1 block a thread, then waits at a barrier); SWIZZLE: units at swizzled_q8_1_unit.
template <int NTOK, bool STAGED, int THREADS, bool SWIZZLE = false>
__device__ __forceinline__ std::conditional_t<STAGED, StagedQ8_1, GlobalQ8_1> q8_1_activations(const uint8_t* xq,
                                                                                             int64_t cols) {
    if constexpr (STAGED) {
        extern __shared__ int4 staged[];
        auto* qs = reinterpret_cast<int8_t*>(staged);
        auto* pairs = reinterpret_cast<__half2*>(qs + NTOK * cols);
        const int64_t n_q8 = NTOK * (cols / kQ8_1BlockElems);
        for (int64_t k = threadIdx.x; k < n_q8; k += THREADS) {
            const auto* src = reinterpret_cast<const int*>(xq + k * kQ8_1BlockBytes);
            pairs[k] = *reinterpret_cast<const __half2*>(src);
            // Units 2k, 2k + 1 of the staged rows; swizzled within their own row.
            int4* units = reinterpret_cast<int4*>(qs);
            const auto at = [&](int64_t u) {
                if constexpr (!SWIZZLE) return u;
                const int64_t row_units = cols / 16, row = NTOK == 1 ? 0 : int(u) / int(row_units);
                return row * row_units + swizzled_q8_1_unit(u - row * row_units);
            };
            units[at(2 * k)] = make_int4(src[1], src[2], src[3], src[4]);
            units[at(2 * k + 1)] = make_int4(src[5], src[6], src[7], src[8]);
        }
        __syncthreads();
        return {qs, pairs, cols};
    } else {
        return {xq, cols / kQ8_1BlockElems * kQ8_1BlockBytes};
    }
}

// f(std::integral_constant<int, n_tok>{}), for n_tok in 1..kMaxMatvecTokens.
template <int NTOK = 1, class F>
void with_n_tok(int n_tok, F&& f) {
    if constexpr (NTOK < kMaxMatvecTokens) {
        if (n_tok > NTOK) return with_n_tok<NTOK + 1>(n_tok, f);
    }
    f(std::integral_constant<int, NTOK>{});
}

// A register matvec kernel for NTOK tokens in its two forms: `staged` reads the activations from
// shared memory, `global` where they do not fit.
using RegisterMatvecKernel = void (*)(MatvecParts, MatvecNorm, int64_t, const uint8_t*, bool);
struct RegisterMatvecForms {
    RegisterMatvecKernel staged, global;
};

// Launches a register matvec over `parts` for n_tok tokens: forms(std::integral_constant<int, NTOK>,
// std::integral_constant<int, NORM>) gives the kernel's two forms for NTOK tokens and that norm work
// (matvec_parts.cuh; other than none at one token only), of which the one that fits is launched, in
// blocks of `warps` warps (kFoldWarps with a folded norm).
template <class Forms>
void launch_register_matvec(const char* name, Forms forms, int warps, std::span<const MatvecPart> parts,
                            int64_t cols, const void* xq, int n_tok, bool accumulate, const MatvecNorm& norm,
                            cudaStream_t stream) {
    const int kind = norm_kind(norm);
    const int block_warps = kind == kNormFold ? kFoldWarps : warps;
    const MatvecParts m = matvec_parts(parts, block_warps, norm);
    const auto* acts = static_cast<const uint8_t*>(xq);
    with_n_tok(n_tok, [&](auto ntok) {
        RegisterMatvecForms kernel = forms(ntok, std::integral_constant<int, kNormNone>{});
        if constexpr (decltype(ntok)::value == 1) {
            if (kind == kNormScale) kernel = forms(ntok, std::integral_constant<int, kNormScale>{});
            if (kind == kNormFold) kernel = forms(ntok, std::integral_constant<int, kNormFold>{});
        }
        const int64_t bytes = staged_q8_1_bytes(decltype(ntok)::value, cols);
        if (bytes <= kStagedQ8_1Bytes) {
            launch_overlapped(name, kernel.staged, m.blocks, 32 * block_warps, size_t(bytes), stream, m, norm, cols, acts,
                              accumulate);
        } else {
            launch_overlapped(name, kernel.global, m.blocks, 32 * block_warps, 0, stream, m, norm, cols, acts, accumulate);
        }
    });
}

}  // namespace sl::cuda
