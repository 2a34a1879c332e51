// Elementwise ops over activation rows: SwiGLU (optionally also as Q8_1 for the down projection),
// the residual add, and copies of a few rows from pinned host memory read by the SMs themselves.
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"
#include "core/status.h"
#include "cuda/ops.h"
#include "cuda/q8_1.cuh"

namespace sl::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void swiglu_kernel(const float* gate, const float* __restrict__ up, int64_t n, float* out,
                              uint8_t* __restrict__ out_q8_1) {
    pdl_wait();
    pdl_launch_dependents();
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i >= n) return;  // n % 32 == 0 with Q8_1 output: whole warps leave together
    const float g = gate[i];
    const float v = g / (1.0f + expf(-g)) * up[i];
    out[i] = v;
    // Rows are a multiple of 32 wide, so element i is in Q8_1 block i / 32 of the whole batch.
    if (out_q8_1) warp_store_q8_1(v, threadIdx.x % 32, out_q8_1 + i / kQ8_1BlockElems * kQ8_1BlockBytes);
}

__global__ void add_kernel(float* dst, const float* __restrict__ src, int64_t n) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) dst[i] += src[i];
}

// Pinned host memory is mapped into the device's address space (unified addressing): loads from
// it cross PCIe without a DMA, so they never queue behind the copy engine's layer copies.
template <class Word>
__global__ void copy_kernel(Word* dst, const Word* __restrict__ src, int64_t n) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) dst[i] = src[i];
}

unsigned blocks_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

void swiglu(const float* gate, const float* up, int64_t n, float* out, void* out_q8_1, cudaStream_t stream) {
    if (n == 0) return;
    if (out_q8_1 && n % kQ8_1BlockElems != 0)
        raise(SL_ERR_INVALID_ARGUMENT, "swiglu: Q8_1 output needs whole blocks of 32, not %lld values",
              static_cast<long long>(n));
    launch_overlapped("swiglu", swiglu_kernel, blocks_for(n), kThreads, 0, stream, gate, up, n, out,
                      static_cast<uint8_t*>(out_q8_1));
}

void add(float* dst, const float* src, int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    add_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dst, src, n);
    check_launch("add");
}

void copy_from_pinned(void* dst, const void* pinned, size_t bytes, cudaStream_t stream) {
    if (bytes == 0) return;
    if ((reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(pinned) | bytes) % sizeof(uint4) == 0) {
        const auto n = static_cast<int64_t>(bytes / sizeof(uint4));
        copy_kernel<<<blocks_for(n), kThreads, 0, stream>>>(static_cast<uint4*>(dst), static_cast<const uint4*>(pinned), n);
    } else {
        const auto n = static_cast<int64_t>(bytes);
        copy_kernel<<<blocks_for(n), kThreads, 0, stream>>>(static_cast<uint8_t*>(dst), static_cast<const uint8_t*>(pinned), n);
    }
    check_launch("copy_from_pinned");
}

}  // namespace sl::cuda
