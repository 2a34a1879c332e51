#include <cuda_runtime.h>

#include <cstdio>
#include <mutex>

#include "cuda/cuda_devices.h"

namespace sl::cuda {
namespace {

struct Discovery {
    std::vector<sl_device_info> devices;
    std::string reason;
};

// The CUDA runtime is initialised once per process; the result does not change afterwards.
const Discovery& discovery() {
    static Discovery d;
    static std::once_flag once;
    std::call_once(once, [] {
        int count = 0;
        cudaError_t err = cudaGetDeviceCount(&count);
        if (err == cudaErrorInsufficientDriver || err == cudaErrorNoDevice) {
            d.reason = err == cudaErrorNoDevice ? "no CUDA device found"
                                                 : "no usable NVIDIA driver (libcuda.so.1 missing or too old)";
            return;
        }
        if (err != cudaSuccess) {
            d.reason = std::string("CUDA initialisation failed: ") + cudaGetErrorString(err);
            return;
        }
        for (int i = 0; i < count; ++i) {
            cudaDeviceProp prop{};
            if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
            sl_device_info info{};
            info.backend = SL_BACKEND_CUDA;
            info.ordinal = i;
            std::snprintf(info.name, sizeof info.name, "%s", prop.name);
            info.compute_major = prop.major;
            info.compute_minor = prop.minor;
            info.total_memory = prop.totalGlobalMem;
            info.cores = prop.multiProcessorCount;
            size_t free_bytes = 0, total_bytes = 0;
            if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
                info.free_memory = free_bytes;
            }
            d.devices.push_back(info);
        }
        if (d.devices.empty()) d.reason = "no CUDA device found";
    });
    return d;
}

}  // namespace

std::vector<sl_device_info> discover_devices() { return discovery().devices; }

std::string unavailable_reason() { return discovery().reason; }

}  // namespace sl::cuda
