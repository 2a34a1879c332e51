// Finding NVMe controllers that are bound to vfio-pci and so ready for the userspace driver.
#pragma once

#include <string>
#include <vector>

namespace sl::nvme {

// PCI addresses (sorted) of devices with the NVMe class code bound to vfio-pci.
std::vector<std::string> list_vfio_controllers();

}  // namespace sl::nvme
