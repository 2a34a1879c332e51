// What the host CPU offers: cores, memory and the SIMD features the fast kernels need.
#pragma once

#include <cstdint>

namespace sl::cpu {

struct CpuInfo {
    int logical_cores;
    int physical_cores;
    int features;  // SL_CPU_* bits
    uint64_t total_memory;
    uint64_t available_memory;
    char model_name[128];
};

CpuInfo probe_cpu();

}  // namespace sl::cpu
