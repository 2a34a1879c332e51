// Resident weights into VRAM: one allocation for all of them, filled through two pinned staging
// buffers in large chunks, the host copy into one overlapping the device copy out of the other.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <span>

#include "core/backend.h"
#include "cuda/device_memory.h"

namespace sl::cuda {

// Sets every upload's *target to its copy in the returned memory; raises SL_ERR_OUT_OF_MEMORY naming
// the bytes needed and free when they do not fit. *progress (when not null) counts the bytes sent.
std::unique_ptr<DeviceMemory> upload_weights(std::span<const WeightUpload> uploads, int device, cudaStream_t stream,
                                             uint64_t& in_use, uint64_t* progress);

}  // namespace sl::cuda
