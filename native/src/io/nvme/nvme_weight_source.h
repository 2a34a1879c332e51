// Weights read from a dedicated NVMe drive through the userspace driver, the kernel and the page
// cache out of the data path. The local GGUF file still supplies the tensor table; the drive's
// Sluice header must say it holds that very file before a single weight is read.
#pragma once

#include <memory>
#include <string>

#include "io/weight_source.h"
#include "sluice/sluice.h"

namespace sl::nvme {

// Opens the controller at `bdf` and checks the header at block `lba` against the file at
// `gguf_path`: SL_ERR_FORMAT naming the file, the drive and what differs when it holds another
// model. Loading the resident range reads it with many commands in flight into one host buffer.
// The controller shuts down (CC.SHN) when the source goes, or at once if opening fails.
std::unique_ptr<io::WeightSource> make_nvme_weight_source(const std::string& gguf_path, const std::string& bdf,
                                                          uint64_t lba, const sl_nvme_options& options);

}  // namespace sl::nvme
