// Elementwise ops over activation rows: SwiGLU and the residual add.
#include "cuda/cuda_check.h"
#include "cuda/ops.h"

namespace sl::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void swiglu_kernel(const float* gate, const float* __restrict__ up, int64_t n, float* out) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i >= n) return;
    const float g = gate[i];
    out[i] = g / (1.0f + expf(-g)) * up[i];
}

__global__ void add_kernel(float* dst, const float* __restrict__ src, int64_t n) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) dst[i] += src[i];
}

unsigned blocks_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

void swiglu(const float* gate, const float* up, int64_t n, float* out, cudaStream_t stream) {
    if (n == 0) return;
    swiglu_kernel<<<blocks_for(n), kThreads, 0, stream>>>(gate, up, n, out);
    check_launch("swiglu");
}

void add(float* dst, const float* src, int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    add_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dst, src, n);
    check_launch("add");
}

}  // namespace sl::cuda
