// Activations to ggml's block_q8_1: one warp per 32-value block, one value per lane.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "core/status.h"
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"
#include "cuda/ops.h"
#include "cuda/q8_1.cuh"

namespace sl::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) quantize_q8_1_kernel(const float* __restrict__ x, int64_t ldx,
                                                                 int64_t n_tok, int64_t cols, uint8_t* __restrict__ xq) {
    pdl_wait();
    pdl_launch_dependents();
    const int64_t blocks_per_row = cols / kQ8_1BlockElems;
    const int64_t block = (int64_t(blockIdx.x) * kThreads + threadIdx.x) / 32;  // over all tokens' blocks
    if (block >= n_tok * blocks_per_row) return;  // whole warps leave together
    const int lane = threadIdx.x % 32;
    const int64_t t = block / blocks_per_row, b = block % blocks_per_row;
    const float v = x[t * ldx + b * kQ8_1BlockElems + lane];

    warp_store_q8_1(v, lane, xq + (t * blocks_per_row + b) * kQ8_1BlockBytes);
}

}  // namespace

void quantize_q8_1(const float* x, int64_t ldx, int64_t n_tok, int64_t cols, void* xq, cudaStream_t stream) {
    if (cols % kQ8_1BlockElems != 0) {
        raise(SL_ERR_INVALID_ARGUMENT, "quantize_q8_1: %lld columns are not a multiple of 32", (long long)cols);
    }
    const int64_t threads = n_tok * (cols / kQ8_1BlockElems) * 32;
    if (threads == 0) return;
    const int64_t grid = (threads + kThreads - 1) / kThreads;
    launch_overlapped("quantize_q8_1", quantize_q8_1_kernel, unsigned(grid), kThreads, 0, stream, x, ldx, n_tok, cols,
                      static_cast<uint8_t*>(xq));
}

}  // namespace sl::cuda
