// Emulation of cuda/cp_async.cuh: the copy happens at once (src_bytes bytes, zero fill to 16); waits are no-ops.
#pragma once
#include <cuda_runtime.h>
namespace sl::cuda {
__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, int src_bytes) {
    if (reinterpret_cast<uintptr_t>(smem) % 16 || reinterpret_cast<uintptr_t>(gmem) % 16 || src_bytes < 0 || src_bytes > 16) {
        std::fprintf(stderr, "cp_async16: misaligned or bad size\n");
        std::abort();
    }
    std::memcpy(smem, gmem, static_cast<size_t>(src_bytes));
    std::memset(static_cast<char*>(smem) + src_bytes, 0, static_cast<size_t>(16 - src_bytes));
}
__device__ __forceinline__ void cp_async_commit() {}
template <int N>
__device__ __forceinline__ void cp_async_wait() {}
}  // namespace sl::cuda
