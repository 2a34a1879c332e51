#include "io/nvme/vfio.h"

#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/status.h"

namespace sl::nvme {
namespace {

// The last path component of a sysfs symlink, or "" when it does not exist.
std::string link_target_name(const std::string& path) {
    char target[512];
    ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
    if (n < 0) return "";
    target[n] = '\0';
    const char* slash = std::strrchr(target, '/');
    return slash ? slash + 1 : target;
}

bool exists(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

void warn_no_iommu(const std::string& bdf) {
    std::fprintf(stderr,
                 "\n"
                 "*************************************************************************\n"
                 "** WARNING: NVMe %s runs in VFIO NO-IOMMU mode, as requested.\n"
                 "** The drive can DMA to ANY physical memory: a driver bug or a faulty\n"
                 "** drive can corrupt the kernel. Use it only on a dedicated test machine.\n"
                 "*************************************************************************\n\n",
                 bdf.c_str());
}

}  // namespace

std::string normalize_bdf(const std::string& bdf) {
    std::string full = bdf.size() == 7 ? "0000:" + bdf : bdf;
    // DDDD:BB:DD.F with hex digits, checked by shape so it can never escape a sysfs path.
    static const char* shape = "xxxx:xx:xx.x";
    bool ok = full.size() == std::strlen(shape);
    for (size_t i = 0; ok && i < full.size(); ++i)
        ok = shape[i] == 'x' ? std::isxdigit(static_cast<unsigned char>(full[i])) != 0 : full[i] == shape[i];
    if (!ok) raise(SL_ERR_INVALID_ARGUMENT, "'%s' is not a PCI address; expected the form 0000:01:00.0", bdf.c_str());
    for (auto& c : full) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return full;
}

VfioDevice::VfioDevice(const std::string& bdf, IommuMode mode) : bdf_(normalize_bdf(bdf)), mode_(mode) {
    std::string sysfs = "/sys/bus/pci/devices/" + bdf_;
    if (!exists(sysfs)) raise(SL_ERR_INVALID_ARGUMENT, "no PCI device %s", bdf_.c_str());
    std::string driver = link_target_name(sysfs + "/driver");
    if (driver != "vfio-pci")
        raise(SL_ERR_UNSUPPORTED, "PCI device %s is bound to '%s', not vfio-pci; bind it with scripts/setup_nvme.sh %s",
              bdf_.c_str(), driver.empty() ? "no driver" : driver.c_str(), bdf_.c_str());
    open_container();
    open_group();
    open_device();
    map_bar0();
    if (mode_ == IommuMode::kNoIommu) warn_no_iommu(bdf_);
}

VfioDevice::Fd::~Fd() {
    if (fd >= 0) close(fd);
}

VfioDevice::Bar::~Bar() {
    if (base) munmap(const_cast<uint8_t*>(base), bytes);
}

void VfioDevice::open_container() {
    container_.fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
    if (container_.fd < 0) raise(SL_ERR_IO, "cannot open /dev/vfio/vfio: %s (is the vfio module loaded?)", strerror(errno));
    if (ioctl(container_.fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
        raise(SL_ERR_UNSUPPORTED, "the kernel's VFIO API version is not %d", VFIO_API_VERSION);
}

void VfioDevice::open_group() {
    std::string group = link_target_name("/sys/bus/pci/devices/" + bdf_ + "/iommu_group");
    if (group.empty()) raise(SL_ERR_UNSUPPORTED, "PCI device %s has no IOMMU group", bdf_.c_str());
    std::string iommu_path = "/dev/vfio/" + group;
    std::string noiommu_path = "/dev/vfio/noiommu-" + group;
    if (mode_ == IommuMode::kIommu && !exists(iommu_path) && exists(noiommu_path))
        raise(SL_ERR_UNSUPPORTED, "the kernel put %s in VFIO no-IOMMU mode (no IOMMU is active); enable the IOMMU "
              "(intel_iommu=on or amd_iommu=on) or ask for no-IOMMU mode explicitly", bdf_.c_str());
    const std::string& path = mode_ == IommuMode::kIommu ? iommu_path : noiommu_path;
    group_.fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (group_.fd < 0) raise(SL_ERR_IO, "cannot open %s: %s", path.c_str(), strerror(errno));

    vfio_group_status status{};
    status.argsz = sizeof status;
    if (ioctl(group_.fd, VFIO_GROUP_GET_STATUS, &status) != 0 || !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
        raise(SL_ERR_UNSUPPORTED, "IOMMU group %s is not viable: bind every device in it to vfio-pci", group.c_str());
    if (ioctl(group_.fd, VFIO_GROUP_SET_CONTAINER, &container_.fd) != 0)
        raise(SL_ERR_BACKEND, "VFIO_GROUP_SET_CONTAINER failed: %s", strerror(errno));

    int type = VFIO_NOIOMMU_IOMMU;
    if (mode_ == IommuMode::kIommu)
        type = ioctl(container_.fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0 ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
    if (ioctl(container_.fd, VFIO_CHECK_EXTENSION, type) <= 0)
        raise(SL_ERR_UNSUPPORTED, "the kernel's VFIO does not offer IOMMU type %d%s", type,
              type == VFIO_NOIOMMU_IOMMU ? " (load vfio with enable_unsafe_noiommu_mode=1)" : "");
    if (ioctl(container_.fd, VFIO_SET_IOMMU, type) != 0)
        raise(SL_ERR_BACKEND, "VFIO_SET_IOMMU(%d) failed: %s", type, strerror(errno));
}

void VfioDevice::open_device() {
    device_.fd = ioctl(group_.fd, VFIO_GROUP_GET_DEVICE_FD, bdf_.c_str());
    if (device_.fd < 0) raise(SL_ERR_BACKEND, "VFIO_GROUP_GET_DEVICE_FD(%s) failed: %s", bdf_.c_str(), strerror(errno));
    vfio_region_info config{};
    config.argsz = sizeof config;
    config.index = VFIO_PCI_CONFIG_REGION_INDEX;
    if (ioctl(device_.fd, VFIO_DEVICE_GET_REGION_INFO, &config) != 0)
        raise(SL_ERR_BACKEND, "cannot find the PCI config space of %s: %s", bdf_.c_str(), strerror(errno));
    config_offset_ = config.offset;
}

void VfioDevice::map_bar0() {
    vfio_region_info bar{};
    bar.argsz = sizeof bar;
    bar.index = VFIO_PCI_BAR0_REGION_INDEX;
    if (ioctl(device_.fd, VFIO_DEVICE_GET_REGION_INFO, &bar) != 0)
        raise(SL_ERR_BACKEND, "cannot query BAR0 of %s: %s", bdf_.c_str(), strerror(errno));
    if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < 0x2000)
        raise(SL_ERR_UNSUPPORTED, "BAR0 of %s cannot be mapped (%llu bytes); is it an NVMe controller?", bdf_.c_str(),
              static_cast<unsigned long long>(bar.size));
    void* base = mmap(nullptr, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, device_.fd, static_cast<off_t>(bar.offset));
    if (base == MAP_FAILED) raise(SL_ERR_BACKEND, "cannot map BAR0 of %s: %s", bdf_.c_str(), strerror(errno));
    bar0_.base = static_cast<volatile uint8_t*>(base);
    bar0_.bytes = bar.size;
}

void VfioDevice::enable_bus_master() {
    uint16_t command = 0;
    off_t at = static_cast<off_t>(config_offset_ + PCI_COMMAND);
    if (pread(device_.fd, &command, sizeof command, at) != sizeof command)
        raise(SL_ERR_BACKEND, "cannot read the PCI command register of %s: %s", bdf_.c_str(), strerror(errno));
    command |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    if (pwrite(device_.fd, &command, sizeof command, at) != sizeof command)
        raise(SL_ERR_BACKEND, "cannot enable bus mastering on %s: %s", bdf_.c_str(), strerror(errno));
}

}  // namespace sl::nvme
