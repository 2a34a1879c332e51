// The weight matrices of one matvec launch (ops.h: MatvecPart) as its kernels see them: each part
// takes a consecutive range of the grid's blocks, rows_per_block rows a block, one warp a row.
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "cuda/device_bits.cuh"
#include "cuda/ops.h"
#include "cuda/q8_1.cuh"

namespace sl::cuda {

struct MatvecParts {
    const uint8_t* w[kMaxMatvecParts];
    float* y[kMaxMatvecParts];
    int64_t rows[kMaxMatvecParts];
    int64_t ldy[kMaxMatvecParts];
    unsigned first_block[kMaxMatvecParts];  // where each part's blocks begin in the grid
    int n;
    unsigned blocks;  // the grid
};

// A kernel launched with a fold has kFoldWarps warps a block, one row each: one Q8_1 group of rows.
inline constexpr int kFoldWarps = kRmsFoldRows;

// The norm work beside the products travels as a kernel argument of its own: inside MatvecParts it
// cost the plain kernels registers (Q4_K 40 -> 48 at one token: a block an SM).
inline MatvecParts matvec_parts(std::span<const MatvecPart> parts, int rows_per_block, const MatvecNorm& norm = {}) {
    if (parts.empty() || parts.size() > size_t(kMaxMatvecParts))
        raise(SL_ERR_INVALID_ARGUMENT, "matvec: %zu weight matrices in one launch, not 1..%d", parts.size(), kMaxMatvecParts);
    MatvecParts m{};
    for (size_t i = 0; i < parts.size(); ++i) {
        m.w[i] = static_cast<const uint8_t*>(parts[i].w);
        m.y[i] = parts[i].y;
        m.rows[i] = parts[i].rows;
        m.ldy[i] = parts[i].ldy;
        m.first_block[i] = m.blocks;
        m.blocks += unsigned((parts[i].rows + rows_per_block - 1) / rows_per_block);
    }
    m.n = int(parts.size());
    if (norm.fold.weight && (m.n != 1 || rows_per_block != kFoldWarps || m.rows[0] % kRmsFoldRows != 0))
        raise(SL_ERR_INTERNAL, "matvec: a folded norm needs one matrix of whole %d-row groups in blocks of as many rows",
              kRmsFoldRows);
    return m;
}

// The row a warp of this block multiplies: its part's matrix and output, and its index there.
struct MatvecRow {
    const uint8_t* w;
    float* y;
    int64_t ldy;
    int64_t rows;  // of the part
    int64_t row;
    bool valid;  // row < rows
};

__device__ __forceinline__ MatvecRow matvec_row(const MatvecParts& m, int rows_per_block, int warp) {
    // Unrolled selects rather than an indexed array, which would go through local memory.
    const uint8_t* w = m.w[0];
    float* y = m.y[0];
    int64_t rows = m.rows[0], ldy = m.ldy[0];
    unsigned first = 0;
#pragma unroll
    for (int i = 1; i < kMaxMatvecParts; ++i) {
        if (i < m.n && blockIdx.x >= m.first_block[i]) {
            w = m.w[i], y = m.y[i], rows = m.rows[i], ldy = m.ldy[i], first = m.first_block[i];
        }
    }
    const int64_t row = int64_t(blockIdx.x - first) * rows_per_block + warp;
    return {w, y, ldy, rows, row, row < rows};
}

// The norm work a matvec kernel does beside its products (ops.h: MatvecNorm), a template argument so
// that a kernel without any is the plain one, registers and all: none, the input's factor (scale),
// or a norm folded into the output (fold: blocks of kFoldWarps warps, one Q8_1 group of rows).
inline constexpr int kNormNone = 0, kNormScale = 1, kNormFold = 2;
inline int norm_kind(const MatvecNorm& norm) {
    return norm.fold.weight ? kNormFold : norm.scale.sum_sq ? kNormScale : kNormNone;
}

// What the epilogue needs of the norms, read after pdl_wait (sum_sq is the kernel before's output)
// by each warp's lane 0 and kept in shared memory until the end (a register held across the main
// loop would cost the Q4_K kernel a block an SM): [warp] the input's norm factor (scale), or
// [kFoldWarps + warp] the folded norm's weight at the warp's row (fold).
__device__ __forceinline__ float* norm_slots() {
    __shared__ float slots[2 * kFoldWarps];
    return slots;
}
template <int NORM>
__device__ __forceinline__ void load_norm_inputs(const MatvecNorm& m, const MatvecRow& r, int lane) {
    const int warp = threadIdx.x / 32;
    if constexpr (NORM == kNormScale) {
        float sum_sq = 0.0f;
        for (int g = lane; g < m.scale.n_groups; g += 32) sum_sq += m.scale.sum_sq[g];
        const float scale = rsqrtf(warp_sum(sum_sq) / float(m.scale.n_groups * kRmsFoldRows) + m.scale.eps);
        if (lane == 0) norm_slots()[warp] = scale;
    } else if constexpr (NORM == kNormFold) {
        if (lane == 0) norm_slots()[kFoldWarps + warp] = m.fold.weight[r.row];
    }
}

// The folded norm's terms of the block's group of rows (ops.h: RmsFold), from y in each warp's lane 0.
// Every thread of the block calls it.
__device__ __forceinline__ void fold_rms_norm(const RmsFold& f, const MatvecRow& r, int lane, float y) {
    __shared__ float group_y[kRmsFoldRows];
    const int warp = threadIdx.x / 32;
    if (lane == 0) group_y[warp] = y;
    __syncthreads();
    if (warp != 0) return;
    const int64_t row = r.row + lane, group = r.row / kRmsFoldRows;  // warp 0 holds the group's first row
    const float yl = group_y[lane], v = yl * norm_slots()[kFoldWarps + lane];
    f.out[row] = v;
    if (f.out_q8_1) warp_store_q8_1(v, lane, static_cast<uint8_t*>(f.out_q8_1) + group * kQ8_1BlockBytes);
    const float sum_sq = warp_sum(yl * yl);
    if (lane == 0) f.sum_sq[group] = sum_sq;
}

// Sums each token's lane partials over the warp (every lane of it takes part); lane 0 writes them,
// times the input's norm factor (scale). Then the folded norm's terms (fold).
template <int NORM, int NTOK>
__device__ __forceinline__ void store_row(const MatvecNorm& m, const MatvecRow& r, int lane, const float (&acc)[NTOK],
                                          bool accumulate) {
    [[maybe_unused]] float y = 0.0f;
#pragma unroll
    for (int t = 0; t < NTOK; ++t) {
        float sum = warp_sum(acc[t]);
        if (!r.valid || lane != 0) continue;
        if constexpr (NORM == kNormScale) sum *= norm_slots()[threadIdx.x / 32];
        float* out = r.y + t * r.ldy + r.row;
        if constexpr (NORM == kNormFold) {
            y = accumulate ? *out + sum : sum;
            *out = y;
        } else {
            *out = accumulate ? *out + sum : sum;
        }
    }
    if constexpr (NORM == kNormFold) fold_rms_norm(m.fold, r, lane, y);
}

}  // namespace sl::cuda
