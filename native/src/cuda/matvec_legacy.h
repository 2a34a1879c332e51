// The Q4_0 and Q8_0 paths of matvec (matvec_legacy.cu), called by matvec() in matvec.cu for rows
// they can take.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>

#include "cuda/ops.h"

namespace sl::cuda {

// Columns of eight 32-element blocks, 144 (Q4_0) or 272 (Q8_0) bytes: rows of whole groups keep
// every group 16-byte aligned. Other widths take matvec's staged kernel.
inline constexpr int64_t kMatvecLegacyGroupCols = 256;

// matvec's contract for Q4_0 / Q8_0 weights (16-byte aligned, cols a multiple of
// kMatvecLegacyGroupCols): xq holds n_tok Q8_1 rows.
void matvec_q4_0(std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok, bool accumulate,
                 cudaStream_t stream, const MatvecNorm& norm = {});
void matvec_q8_0(std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok, bool accumulate,
                 cudaStream_t stream, const MatvecNorm& norm = {});

}  // namespace sl::cuda
