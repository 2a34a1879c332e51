// A PCI device bound to vfio-pci: its VFIO container and group, BAR0 mapped through the device fd,
// and bus mastering switched on so the device can DMA.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sl::nvme {

enum class IommuMode {
    kIommu,   // VFIO type-1 IOMMU: the device reaches only memory we map
    kNoIommu  // vfio's unsafe no-IOMMU mode: the device can reach all memory; only on request
};

// "0000:01:00.0" for "01:00.0" or "0000:01:00.0"; throws for anything that is not a PCI address.
std::string normalize_bdf(const std::string& bdf);

class VfioDevice {
public:
    VfioDevice(const std::string& bdf, IommuMode mode);
    VfioDevice(const VfioDevice&) = delete;
    VfioDevice& operator=(const VfioDevice&) = delete;

    const std::string& bdf() const { return bdf_; }
    IommuMode mode() const { return mode_; }
    int container_fd() const { return container_.fd; }

    volatile uint8_t* bar0() const { return bar0_.base; }
    size_t bar0_size() const { return bar0_.bytes; }

    // Memory space and bus master enable in the PCI command register.
    void enable_bus_master();

private:
    // Closes its descriptor when dropped, so a bring-up that throws half way leaks nothing.
    struct Fd {
        int fd = -1;
        Fd() = default;
        Fd(const Fd&) = delete;
        Fd& operator=(const Fd&) = delete;
        ~Fd();
    };
    struct Bar {
        volatile uint8_t* base = nullptr;
        size_t bytes = 0;
        Bar() = default;
        Bar(const Bar&) = delete;
        Bar& operator=(const Bar&) = delete;
        ~Bar();
    };

    void open_container();
    void open_group();
    void open_device();
    void map_bar0();

    std::string bdf_;
    IommuMode mode_;
    Fd container_;
    Fd group_;
    Fd device_;
    Bar bar0_;
    uint64_t config_offset_ = 0;
};

}  // namespace sl::nvme
