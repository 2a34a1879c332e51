// Memory the NVMe controller can reach by DMA, and the bus address (IOVA) it knows it by.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace sl::nvme {

inline constexpr size_t kHostPage = 4096;

struct DmaBuffer {
    void* host = nullptr;
    uint64_t iova = 0;  // the address the controller uses
    size_t bytes = 0;
};

// Where DMA memory comes from. With an IOMMU any page-aligned user memory can be mapped at an IOVA
// of our choosing; without one, the controller sees physical addresses, so only memory whose
// physical address is known (a window reserved at boot) is usable and caller buffers are not.
class DmaSpace {
public:
    virtual ~DmaSpace() = default;

    // Zeroed, page-aligned memory contiguous in IOVA space; lives until release() or the space dies.
    virtual DmaBuffer allocate(size_t bytes) = 0;
    virtual void release(const DmaBuffer& buffer) = 0;

    // Whether map() works: false means every transfer goes through allocate()d bounce buffers.
    virtual bool maps_user_memory() const = 0;
    // Maps the pages spanning [host, host + bytes) and returns the IOVA of `host` itself.
    virtual uint64_t map(void* host, size_t bytes) = 0;
    virtual void unmap(void* host, size_t bytes) = 0;
};

// IOVAs through the VFIO type-1 IOMMU of `container_fd` (VFIO_IOMMU_MAP_DMA).
std::unique_ptr<DmaSpace> make_iommu_dma_space(int container_fd);

// A physical window reserved at boot (for example with the kernel option memmap=SIZE$PHYS) and
// mapped through /dev/mem: the no-IOMMU path, which never reads /proc/self/pagemap.
std::unique_ptr<DmaSpace> make_reserved_window_dma_space(uint64_t phys, uint64_t bytes);

}  // namespace sl::nvme
