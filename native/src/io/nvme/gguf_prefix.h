// The length of a GGUF file's prefix: its header, metadata and tensor table up to the (aligned)
// start of the tensor data. The Sluice NVMe header hashes exactly this region, which identifies a
// model without reading its weights.
#pragma once

#include <cstdint>

namespace sl::nvme {

// Scans the GGUF file open at `fd` (of `file_size` bytes); throws SL_ERR_FORMAT naming what is wrong.
uint64_t gguf_prefix_size(int fd, uint64_t file_size);

}  // namespace sl::nvme
