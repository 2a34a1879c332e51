// RMSNorm, one block per row: the sum of squares in fp32 across the block, then the scaled row.
#include "cuda/cuda_check.h"
#include "cuda/ops.h"

namespace sl::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void rms_norm_kernel(const float* __restrict__ x, const float* __restrict__ weight, int64_t width,
                                float eps, float* __restrict__ out) {
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
    for (int64_t i = threadIdx.x; i < width; i += kThreads) dst[i] = row[i] * inv_rms * weight[i];
}

}  // namespace

void rms_norm(const float* x, const float* weight, int64_t n_tok, int64_t width, float eps, float* out,
              cudaStream_t stream) {
    if (n_tok == 0) return;
    rms_norm_kernel<<<static_cast<unsigned>(n_tok), kThreads, 0, stream>>>(x, weight, width, eps, out);
    check_launch("rms_norm");
}

}  // namespace sl::cuda
