// Copy bandwidths measured with events around copies: device to device (what bounds compute on
// resident weights) and pinned host to device (what bounds streamed layers).
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>

#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"

namespace sl::cuda {
namespace {

struct DevicePointer {
    void* p = nullptr;
    ~DevicePointer() { cudaFree(p); }
};

struct PinnedPointer {
    void* p = nullptr;
    ~PinnedPointer() { cudaFreeHost(p); }
};

struct Event {
    cudaEvent_t e = nullptr;
    Event() { SL_CUDA(cudaEventCreate(&e)); }
    ~Event() { cudaEventDestroy(e); }
};

// Best of five timed copies of `bytes` from src to dst, after one to warm up.
double best_copy_seconds(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
    Event start, stop;
    SL_CUDA(cudaMemcpy(dst, src, bytes, kind));
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        SL_CUDA(cudaEventRecord(start.e));
        SL_CUDA(cudaMemcpyAsync(dst, src, bytes, kind));
        SL_CUDA(cudaEventRecord(stop.e));
        SL_CUDA(cudaEventSynchronize(stop.e));
        float ms = 0;
        SL_CUDA(cudaEventElapsedTime(&ms, start.e, stop.e));
        best = std::min(best, ms * 1e-3);
    }
    return best;
}

}  // namespace

double measure_copy_bandwidth(int device, size_t bytes) {
    SL_CUDA(cudaSetDevice(device));
    DevicePointer src, dst;
    SL_CUDA(cudaMalloc(&src.p, bytes));
    SL_CUDA(cudaMalloc(&dst.p, bytes));
    SL_CUDA(cudaMemset(src.p, 1, bytes));
    return 2.0 * static_cast<double>(bytes) / best_copy_seconds(dst.p, src.p, bytes, cudaMemcpyDeviceToDevice);  // read + written
}

double measure_host_to_device_bandwidth(int device, size_t bytes) {
    SL_CUDA(cudaSetDevice(device));
    DevicePointer dst;
    PinnedPointer src;
    SL_CUDA(cudaMalloc(&dst.p, bytes));
    SL_CUDA(cudaMallocHost(&src.p, bytes));
    std::memset(src.p, 1, bytes);
    return static_cast<double>(bytes) / best_copy_seconds(dst.p, src.p, bytes, cudaMemcpyHostToDevice);
}

}  // namespace sl::cuda
