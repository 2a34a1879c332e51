// RMSNorm, one block per row: the sum of squares in fp32 across the block, then the scaled row,
// optionally also as Q8_1 for the quantized matmuls that read it next.
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"
#include "core/status.h"
#include "cuda/ops.h"
#include "cuda/q8_1.cuh"

namespace sl::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void rms_norm_kernel(const float* __restrict__ x, const float* __restrict__ weight, int64_t width,
                                float eps, float* __restrict__ out, uint8_t* __restrict__ out_q8_1) {
    pdl_wait();
    pdl_launch_dependents();
    const float* row = x + blockIdx.x * width;
    float* dst = out + blockIdx.x * width;
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < width; i += kThreads) sum += row[i] * row[i];
    for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    __shared__ float warp_sums[kThreads / 32];
    if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = sum;
    __syncthreads();
    if (threadIdx.x < 32) {
        sum = threadIdx.x < kThreads / 32 ? warp_sums[threadIdx.x] : 0.0f;
        for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
        if (threadIdx.x == 0) warp_sums[0] = sum;
    }
    __syncthreads();
    const float inv_rms = rsqrtf(warp_sums[0] / static_cast<float>(width) + eps);
    if (!out_q8_1) {
        for (int64_t i = threadIdx.x; i < width; i += kThreads) dst[i] = row[i] * inv_rms * weight[i];
        return;
    }
    // width % 32 == 0: each warp's 32 consecutive values are one Q8_1 block.
    uint8_t* q8_row = out_q8_1 + blockIdx.x * (width / kQ8_1BlockElems) * kQ8_1BlockBytes;
    for (int64_t i0 = 0; i0 < width; i0 += kThreads) {
        const int64_t i = i0 + threadIdx.x;
        if (i >= width) break;  // whole warps leave together
        const float v = row[i] * inv_rms * weight[i];
        dst[i] = v;
        warp_store_q8_1(v, threadIdx.x % 32, q8_row + i / kQ8_1BlockElems * kQ8_1BlockBytes);
    }
}

}  // namespace

void rms_norm(const float* x, const float* weight, int64_t n_tok, int64_t width, float eps, float* out,
              void* out_q8_1, cudaStream_t stream) {
    if (n_tok == 0) return;
    if (out_q8_1 && width % kQ8_1BlockElems != 0)
        raise(SL_ERR_INVALID_ARGUMENT, "rms_norm: Q8_1 output needs a width that is a multiple of 32, not %lld",
              static_cast<long long>(width));
    launch_overlapped("rms_norm", rms_norm_kernel, static_cast<unsigned>(n_tok), kThreads, 0, stream, x, weight, width,
                      eps, out, static_cast<uint8_t*>(out_q8_1));
}

}  // namespace sl::cuda
