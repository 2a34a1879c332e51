// VRAM and pinned host memory as BackendBuffers, counted per backend, with out-of-memory errors
// that say how much was asked, how much is free and what to do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/backend.h"

namespace sl::cuda {

class DeviceMemory final : public BackendBuffer {
public:
    // Zero-filled. `in_use` counts the bytes while the buffer lives.
    DeviceMemory(size_t bytes, MemoryKind kind, int device, uint64_t& in_use);
    ~DeviceMemory() override;
    DeviceMemory(const DeviceMemory&) = delete;
    DeviceMemory& operator=(const DeviceMemory&) = delete;

    void* data() override { return data_; }
    size_t bytes() const override { return bytes_; }

private:
    void* data_ = nullptr;
    size_t bytes_;
    MemoryKind kind_;
    uint64_t& in_use_;
};

// Scratch that only grows. A buffer it outgrew is kept until the backend goes, because recorded
// CUDA graphs may still name its address.
class GrowingScratch {
public:
    GrowingScratch(int device, uint64_t& in_use, MemoryKind kind = MemoryKind::kDevice)
        : device_(device), in_use_(in_use), kind_(kind) {}
    void* get(size_t bytes);

private:
    int device_;
    uint64_t& in_use_;
    MemoryKind kind_;
    std::unique_ptr<DeviceMemory> current_;
    std::vector<std::unique_ptr<DeviceMemory>> outgrown_;
};

// Raises SL_ERR_OUT_OF_MEMORY unless `bytes` more fit in the device's free memory.
void require_free_vram(int device, uint64_t bytes, const char* what);

}  // namespace sl::cuda
