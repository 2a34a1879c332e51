// Helpers of the CUDA parity tests: a skip when no GPU is usable, device buffers that free
// themselves, uploads and downloads that fail the test loudly.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sluice/sluice.h"

namespace sltest {

// The reason no CUDA device can run the test, or null.
inline const char* cuda_skip_reason() { return sl_cuda_unavailable_reason(); }

inline void cuda_or_die(cudaError_t err, const char* what) {
    if (err == cudaSuccess) return;
    std::printf("CUDA failure in test: %s: %s\n", what, cudaGetErrorString(err));
    std::exit(1);
}

template <class T>
class DeviceBuffer {
public:
    explicit DeviceBuffer(size_t count) : count_(count) {
        cuda_or_die(cudaMalloc(&ptr_, count ? count * sizeof(T) : 1), "cudaMalloc");
        cuda_or_die(cudaMemset(ptr_, 0, count ? count * sizeof(T) : 1), "cudaMemset");
    }
    explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer() { cudaFree(ptr_); }

    T* get() const { return static_cast<T*>(ptr_); }
    size_t size() const { return count_; }
    void upload(const std::vector<T>& host) {
        cuda_or_die(cudaMemcpy(ptr_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), "upload");
    }
    // Waits for all work on the device, then copies the buffer back.
    std::vector<T> download() const {
        cuda_or_die(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
        std::vector<T> host(count_);
        cuda_or_die(cudaMemcpy(host.data(), ptr_, count_ * sizeof(T), cudaMemcpyDeviceToHost), "download");
        return host;
    }

private:
    void* ptr_ = nullptr;
    size_t count_;
};

}  // namespace sltest
