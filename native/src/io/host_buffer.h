// Anonymous, page-aligned host memory advised for transparent huge pages: the buffer that weights
// read from storage land in (fewer TLB misses in the matmuls; fewer IOMMU pages to map for DMA).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sl::io {

class HostBuffer {
public:
    HostBuffer() = default;
    // Raises SL_ERR_OUT_OF_MEMORY when the memory cannot be mapped.
    explicit HostBuffer(size_t bytes);
    ~HostBuffer();
    HostBuffer(HostBuffer&& other) noexcept;
    HostBuffer& operator=(HostBuffer&& other) noexcept;
    HostBuffer(const HostBuffer&) = delete;
    HostBuffer& operator=(const HostBuffer&) = delete;

    uint8_t* data() const { return data_; }
    size_t size() const { return bytes_; }

private:
    uint8_t* data_ = nullptr;
    size_t bytes_ = 0;
};

}  // namespace sl::io
