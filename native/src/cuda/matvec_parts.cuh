// The weight matrices of one matvec launch (ops.h: MatvecPart) as its kernels see them: each part
// takes a consecutive range of the grid's blocks, rows_per_block rows a block, one warp a row.
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "cuda/device_bits.cuh"
#include "cuda/ops.h"

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

inline MatvecParts matvec_parts(std::span<const MatvecPart> parts, int rows_per_block) {
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

// Sums each token's lane partials over the warp (every lane of it takes part); lane 0 writes them.
template <int NTOK>
__device__ __forceinline__ void store_row(const MatvecRow& r, int lane, const float (&acc)[NTOK], bool accumulate) {
#pragma unroll
    for (int t = 0; t < NTOK; ++t) {
        const float sum = warp_sum(acc[t]);
        if (!r.valid || lane != 0) continue;
        float* out = r.y + t * r.ldy + r.row;
        *out = accumulate ? *out + sum : sum;
    }
}

}  // namespace sl::cuda
