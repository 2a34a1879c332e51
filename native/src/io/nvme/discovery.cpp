#include "io/nvme/discovery.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace sl::nvme {

std::vector<std::string> list_vfio_controllers() {
    namespace fs = std::filesystem;
    const fs::path driver = "/sys/bus/pci/drivers/vfio-pci";
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(driver, ec)) {
        std::ifstream class_file(entry.path() / "class");
        std::string pci_class;
        // 0x010802: mass storage, non-volatile memory controller, NVM Express interface.
        if (class_file >> pci_class && pci_class == "0x010802") found.push_back(entry.path().filename().string());
    }
    std::sort(found.begin(), found.end());
    return found;
}

}  // namespace sl::nvme
