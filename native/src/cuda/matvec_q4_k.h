// The Q4_K path of matvec (matvec_q4_k.cu), called by matvec() in matvec.cu.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>

#include "cuda/ops.h"

namespace sl::cuda {

// matvec's contract for Q4_K weights (16-byte aligned, cols a multiple of 256): xq holds n_tok
// Q8_1 rows.
void matvec_q4_k(std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok, bool accumulate,
                 cudaStream_t stream, const MatvecNorm& norm = {});

}  // namespace sl::cuda
