#include "cuda/cuda_check.h"

#include "core/status.h"

namespace sl::cuda {

void check(cudaError_t err, const char* what) {
    if (err == cudaSuccess) return;
    cudaGetLastError();  // clear a sticky-free error so later calls report their own
    const sl_status status = err == cudaErrorMemoryAllocation ? SL_ERR_OUT_OF_MEMORY : SL_ERR_BACKEND;
    raise(status, "CUDA call %s failed: %s (%s)", what, cudaGetErrorString(err), cudaGetErrorName(err));
}

void check_launch(const char* kernel) {
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess)
        raise(SL_ERR_BACKEND, "CUDA kernel %s failed to launch: %s (%s)", kernel, cudaGetErrorString(err),
              cudaGetErrorName(err));
}

}  // namespace sl::cuda
