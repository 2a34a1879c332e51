// Helpers of the CUDA parity tests: a skip when no GPU is usable, device buffers that free
// themselves, uploads and downloads that fail the test loudly, the host Q8_1 quantizer.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/half.h"
#include "cuda/ops.h"
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

// ggml's block_q8_1 of n_tok rows of cols floats (ldx apart), as quantize_q8_1 writes them.
inline std::vector<uint8_t> host_q8_1(const float* x, int64_t ldx, int64_t n_tok, int64_t cols) {
    std::vector<uint8_t> out(size_t(n_tok * sl::cuda::q8_1_row_bytes(cols)));
    for (int64_t t = 0; t < n_tok; ++t) {
        for (int64_t b = 0; b < cols / 32; ++b) {
            const float* v = x + t * ldx + 32 * b;
            uint8_t* block = out.data() + (t * (cols / 32) + b) * sl::cuda::kQ8_1BlockBytes;
            float amax = 0;
            for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(v[i]));
            const float d = amax / 127.0f;
            int sum = 0;
            for (int i = 0; i < 32; ++i) {
                const int q = amax == 0.0f ? 0 : int(std::round(v[i] / d));
                block[4 + i] = uint8_t(int8_t(q));
                sum += q;
            }
            const uint16_t ds[2] = {sl::fp32_to_fp16(d), sl::fp32_to_fp16(d * float(sum))};
            std::memcpy(block, ds, 4);
        }
    }
    return out;
}

}  // namespace sltest
