// The device's copy bandwidth, measured with events around device-to-device copies.
#include <cuda_runtime_api.h>

#include <algorithm>

#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"

namespace sl::cuda {
namespace {

struct DevicePointer {
    void* p = nullptr;
    ~DevicePointer() { cudaFree(p); }
};

struct Event {
    cudaEvent_t e = nullptr;
    Event() { SL_CUDA(cudaEventCreate(&e)); }
    ~Event() { cudaEventDestroy(e); }
};

}  // namespace

double measure_copy_bandwidth(int device, size_t bytes) {
    SL_CUDA(cudaSetDevice(device));
    DevicePointer src, dst;
    SL_CUDA(cudaMalloc(&src.p, bytes));
    SL_CUDA(cudaMalloc(&dst.p, bytes));
    SL_CUDA(cudaMemset(src.p, 1, bytes));
    Event start, stop;
    SL_CUDA(cudaMemcpy(dst.p, src.p, bytes, cudaMemcpyDeviceToDevice));  // warm-up
    double best = 0;
    for (int i = 0; i < 5; ++i) {
        SL_CUDA(cudaEventRecord(start.e));
        SL_CUDA(cudaMemcpyAsync(dst.p, src.p, bytes, cudaMemcpyDeviceToDevice));
        SL_CUDA(cudaEventRecord(stop.e));
        SL_CUDA(cudaEventSynchronize(stop.e));
        float ms = 0;
        SL_CUDA(cudaEventElapsedTime(&ms, start.e, stop.e));
        best = std::max(best, 2.0 * static_cast<double>(bytes) / (ms * 1e-3));  // bytes read + written
    }
    return best;
}

}  // namespace sl::cuda
