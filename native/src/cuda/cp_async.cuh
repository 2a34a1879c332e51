// Asynchronous global -> shared copies (cp.async, sm_80+), shared by the tiled kernels.
#pragma once

#include <cuda_runtime.h>

namespace sl::cuda {

// Copies 16 bytes; src_bytes 0 writes 16 zero bytes instead (gmem must still be a valid address),
// which is how the kernels fill tile rows beyond the end of a matrix or context.
__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, int src_bytes) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
// Waits until at most N of this thread's committed groups are still in flight.
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

}  // namespace sl::cuda
