#include "io/nvme/dma.h"

#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "core/status.h"

namespace sl::nvme {
namespace {

uint64_t round_up(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }
uint64_t round_down(uint64_t value, uint64_t to) { return value / to * to; }

void* map_anonymous(size_t bytes) {
    void* host = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                      -1, 0);
    if (host == MAP_FAILED) raise(SL_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of DMA memory: %s", bytes, strerror(errno));
    return host;
}

class IommuDmaSpace final : public DmaSpace {
public:
    explicit IommuDmaSpace(int container_fd) : container_fd_(container_fd) {}

    ~IommuDmaSpace() override {
        for (auto& [iova, mapping] : mappings_) unmap_iova(iova, mapping.bytes);
        for (auto& [host, bytes] : owned_) munmap(host, bytes);
    }

    DmaBuffer allocate(size_t bytes) override {
        bytes = round_up(bytes, kHostPage);
        void* host = map_anonymous(bytes);
        owned_[host] = bytes;
        uint64_t iova = map(host, bytes);
        return {host, iova, bytes};
    }

    void release(const DmaBuffer& buffer) override {
        unmap(buffer.host, buffer.bytes);
        owned_.erase(buffer.host);
        munmap(buffer.host, buffer.bytes);
    }

    bool maps_user_memory() const override { return true; }

    uint64_t map(void* host, size_t bytes) override {
        auto start = round_down(reinterpret_cast<uint64_t>(host), kHostPage);
        auto end = round_up(reinterpret_cast<uint64_t>(host) + bytes, kHostPage);
        vfio_iommu_type1_dma_map request{};
        request.argsz = sizeof request;
        request.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
        request.vaddr = start;
        request.iova = next_iova_;
        request.size = end - start;
        if (ioctl(container_fd_, VFIO_IOMMU_MAP_DMA, &request) != 0)
            raise(SL_ERR_BACKEND, "VFIO_IOMMU_MAP_DMA of %llu bytes failed: %s (is the memlock limit high enough? see ulimit -l)",
                  static_cast<unsigned long long>(request.size), strerror(errno));
        mappings_[request.iova] = {start, request.size};
        next_iova_ += request.size + kHostPage;  // a guard page between mappings
        return request.iova + (reinterpret_cast<uint64_t>(host) - start);
    }

    void unmap(void* host, size_t bytes) override {
        auto start = round_down(reinterpret_cast<uint64_t>(host), kHostPage);
        for (auto it = mappings_.begin(); it != mappings_.end(); ++it) {
            if (it->second.vaddr == start) {
                unmap_iova(it->first, it->second.bytes);
                mappings_.erase(it);
                return;
            }
        }
    }

private:
    struct Mapping {
        uint64_t vaddr;
        uint64_t bytes;
    };

    void unmap_iova(uint64_t iova, uint64_t bytes) {
        vfio_iommu_type1_dma_unmap request{};
        request.argsz = sizeof request;
        request.iova = iova;
        request.size = bytes;
        ioctl(container_fd_, VFIO_IOMMU_UNMAP_DMA, &request);
    }

    int container_fd_;
    // IOVAs are handed out upwards from 4 GiB, above the 32-bit MSI window, and never reused: a
    // 39-bit IOMMU address space outlasts any number of buffer registrations a process makes.
    uint64_t next_iova_ = 1ull << 32;
    std::map<uint64_t, Mapping> mappings_;
    std::map<void*, size_t> owned_;
};

class ReservedWindowDmaSpace final : public DmaSpace {
public:
    ReservedWindowDmaSpace(uint64_t phys, uint64_t bytes) : phys_(phys), bytes_(bytes) {
        if (phys % kHostPage != 0 || bytes % kHostPage != 0 || bytes == 0)
            raise(SL_ERR_INVALID_ARGUMENT, "the no-IOMMU DMA window 0x%llx+0x%llx must be page-aligned and non-empty",
                  static_cast<unsigned long long>(phys), static_cast<unsigned long long>(bytes));
        int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
        if (fd < 0) raise(SL_ERR_IO, "cannot open /dev/mem for the no-IOMMU DMA window: %s", strerror(errno));
        host_ = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(phys));
        int saved = errno;
        close(fd);
        if (host_ == MAP_FAILED)
            raise(SL_ERR_IO, "cannot map physical window 0x%llx+0x%llx from /dev/mem: %s (reserve it at boot with memmap=SIZE$ADDRESS)",
                  static_cast<unsigned long long>(phys), static_cast<unsigned long long>(bytes), strerror(saved));
    }

    ~ReservedWindowDmaSpace() override { munmap(host_, bytes_); }

    DmaBuffer allocate(size_t bytes) override {
        bytes = round_up(bytes, kHostPage);
        // First fit over the free gaps between live allocations, so released buffers are reused.
        uint64_t offset = 0;
        for (auto& [start, length] : used_) {
            if (start - offset >= bytes) break;
            offset = start + length;
        }
        if (offset + bytes > bytes_)
            raise(SL_ERR_OUT_OF_MEMORY, "the no-IOMMU DMA window (%llu bytes) has no room for %zu more bytes; reserve a larger one",
                  static_cast<unsigned long long>(bytes_), bytes);
        used_[offset] = bytes;
        auto* host = static_cast<uint8_t*>(host_) + offset;
        std::memset(host, 0, bytes);
        return {host, phys_ + offset, bytes};
    }

    void release(const DmaBuffer& buffer) override { used_.erase(buffer.iova - phys_); }

    bool maps_user_memory() const override { return false; }

    uint64_t map(void*, size_t) override {
        raise(SL_ERR_UNSUPPORTED, "without an IOMMU, caller memory cannot be mapped for DMA");
    }

    void unmap(void*, size_t) override {}

private:
    uint64_t phys_;
    uint64_t bytes_;
    void* host_ = nullptr;
    std::map<uint64_t, uint64_t> used_;  // offset -> bytes
};

}  // namespace

std::unique_ptr<DmaSpace> make_iommu_dma_space(int container_fd) {
    return std::make_unique<IommuDmaSpace>(container_fd);
}

std::unique_ptr<DmaSpace> make_reserved_window_dma_space(uint64_t phys, uint64_t bytes) {
    return std::make_unique<ReservedWindowDmaSpace>(phys, bytes);
}

}  // namespace sl::nvme
