// The CUDA backend: weights, activations and the F16 KV cache in VRAM, every op a kernel on one
// stream, the single-token decode step captured as a CUDA graph. Plain C++ header: the API layer
// and the tests create it without seeing CUDA types.
#pragma once

#include <memory>

#include "core/backend.h"

namespace sl::cuda {

// Raises SL_ERR_UNSUPPORTED when no usable device has that ordinal.
std::unique_ptr<Backend> make_cuda_backend(int device);

// Device-to-device copy bandwidth (bytes read + bytes written per second), the best of a few
// copies of `bytes`: the roofline decode speeds are judged against.
double measure_copy_bandwidth(int device, size_t bytes);
// Bytes per second of copies from pinned host memory to the device (PCIe).
double measure_host_to_device_bandwidth(int device, size_t bytes);

}  // namespace sl::cuda
