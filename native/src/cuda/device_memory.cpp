#include "cuda/device_memory.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>

#include "core/status.h"
#include "cuda/cuda_check.h"

namespace sl::cuda {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

[[noreturn]] void out_of_vram(int device, uint64_t bytes, const char* what) {
    size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    raise(SL_ERR_OUT_OF_MEMORY,
          "not enough GPU memory for %s: %.1f MiB needed, %.1f MiB free of %.1f MiB on cuda:%d; use a smaller context "
          "(-c), a smaller model or quantization, or a lower --vram-budget so that layers stream from host memory",
          what, bytes / kMiB, free_bytes / kMiB, total_bytes / kMiB, device);
}

}  // namespace

void require_free_vram(int device, uint64_t bytes, const char* what) {
    size_t free_bytes = 0, total_bytes = 0;
    SL_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
    if (bytes > free_bytes) out_of_vram(device, bytes, what);
}

DeviceMemory::DeviceMemory(size_t bytes, MemoryKind kind, int device, uint64_t& in_use)
    : bytes_(bytes), kind_(kind), in_use_(in_use) {
    const size_t asked = bytes ? bytes : 1;
    if (kind == MemoryKind::kPinned) {
        if (cudaMallocHost(&data_, asked) != cudaSuccess) {
            cudaGetLastError();
            raise(SL_ERR_OUT_OF_MEMORY, "cannot allocate %.1f MiB of pinned host memory", bytes / kMiB);
        }
        std::memset(data_, 0, asked);
    } else {
        if (cudaMalloc(&data_, asked) != cudaSuccess) {
            cudaGetLastError();
            out_of_vram(device, bytes, "a buffer");
        }
        // cudaMemset runs on the legacy default stream, which does not order the backend's
        // non-blocking stream: without the wait, kernels there could write the buffer before it is
        // zeroed (or read it unzeroed).
        SL_CUDA(cudaMemset(data_, 0, asked));
        SL_CUDA(cudaStreamSynchronize(cudaStreamLegacy));
    }
    in_use_ += bytes_;
}

DeviceMemory::~DeviceMemory() {
    if (kind_ == MemoryKind::kPinned) cudaFreeHost(data_);
    else cudaFree(data_);
    in_use_ -= bytes_;
}

void* GrowingScratch::get(size_t bytes) {
    if (!current_ || current_->bytes() < bytes) {
        const size_t grown = current_ ? std::max(bytes, current_->bytes() * 2) : bytes;
        if (current_) outgrown_.push_back(std::move(current_));
        current_ = std::make_unique<DeviceMemory>(grown, kind_, device_, in_use_);
    }
    return current_->data();
}

}  // namespace sl::cuda
