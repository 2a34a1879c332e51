// sl_device_*: the CPU is device 0, CUDA devices follow.
#include <cstdio>
#include <string>
#include <vector>

#include "core/status.h"
#include "cpu/cpu_info.h"
#include "sluice/sluice.h"
#ifdef SLUICE_WITH_CUDA
#include "cuda/cuda_devices.h"
#endif

namespace {

std::vector<sl_device_info> cuda_devices() {
#ifdef SLUICE_WITH_CUDA
    return sl::cuda::discover_devices();
#else
    return {};
#endif
}

sl_device_info cpu_device() {
    sl::cpu::CpuInfo cpu = sl::cpu::probe_cpu();
    sl_device_info info{};
    info.backend = SL_BACKEND_CPU;
    info.ordinal = 0;
    std::snprintf(info.name, sizeof info.name, "%s", cpu.model_name);
    info.total_memory = cpu.total_memory;
    info.free_memory = cpu.available_memory;
    info.cores = cpu.physical_cores;
    info.features = cpu.features;
    return info;
}

thread_local std::string cuda_reason;

}  // namespace

extern "C" {

sl_status sl_device_count(int32_t* count) {
    return sl::guarded([&] {
        if (!count) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_device_count: count is NULL");
        *count = 1 + static_cast<int32_t>(cuda_devices().size());
        return SL_OK;
    });
}

sl_status sl_device_get(int32_t index, sl_device_info* info) {
    return sl::guarded([&] {
        if (!info) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_device_get: info is NULL");
        if (index == 0) {
            *info = cpu_device();
            return SL_OK;
        }
        std::vector<sl_device_info> gpus = cuda_devices();
        if (index < 0 || index > static_cast<int32_t>(gpus.size())) {
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_device_get: index %d out of range [0, %d]", index,
                            static_cast<int>(gpus.size()));
        }
        *info = gpus[static_cast<size_t>(index - 1)];
        return SL_OK;
    });
}

const char* sl_cuda_unavailable_reason(void) {
#ifdef SLUICE_WITH_CUDA
    cuda_reason = sl::cuda::unavailable_reason();
#else
    cuda_reason = "this build of Sluice has no CUDA backend (nvcc was not found when it was built)";
#endif
    return cuda_reason.empty() ? nullptr : cuda_reason.c_str();
}

}  // extern "C"
