// The F32 / F16 / BF16 path of matvec (matvec_float.cu), called by matvec() in matvec.cu.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>

#include "cuda/ops.h"
#include "sluice/sluice.h"

namespace sl::cuda {

// matvec's contract for float weights: x holds n_tok float rows ldx apart; any cols.
void matvec_float(sl_type type, std::span<const MatvecPart> parts, int64_t cols, const float* x, int64_t ldx,
                  int n_tok, bool accumulate, cudaStream_t stream, const MatvecNorm& norm = {});

}  // namespace sl::cuda
