// The Q6_K path of matvec (matvec_q6_k.cu), called by matvec() in matvec.cu for rows it can take.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>

#include "cuda/ops.h"

namespace sl::cuda {

// Columns of eight Q6_K super-blocks, 1680 bytes: rows of whole groups keep every group 16-byte
// aligned. Other widths take matvec's staged kernel.
inline constexpr int64_t kMatvecQ6KGroupCols = 2048;

// matvec's contract for Q6_K weights (16-byte aligned, cols a multiple of kMatvecQ6KGroupCols): xq
// holds n_tok Q8_1 rows.
void matvec_q6_k(std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok, bool accumulate,
                 cudaStream_t stream, const MatvecNorm& norm = {});

}  // namespace sl::cuda
