// Writes a model with its Sluice header onto a block device (through the kernel driver, before the
// drive is bound to vfio-pci) or into a disk image file.
#pragma once

#include <cstdint>
#include <string>

#include "io/nvme/model_header.h"

namespace sl::nvme {

// Writes the header at block `lba` of `target` and the GGUF file right after it; returns the header.
// Block size: the device's logical block size, or 512 for an image file. `bytes_done`, when given,
// counts the model bytes written (atomic stores, for a progress display on another thread).
ModelHeader write_model(const std::string& target, const std::string& gguf_path, uint64_t lba,
                        uint64_t* bytes_done = nullptr);

}  // namespace sl::nvme
