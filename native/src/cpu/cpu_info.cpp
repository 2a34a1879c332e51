#include "cpu/cpu_info.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "sluice/sluice.h"

namespace sl::cpu {
namespace {

int detect_features() {
    int f = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) f |= SL_CPU_AVX2;
    if (__builtin_cpu_supports("fma")) f |= SL_CPU_FMA;
    if (__builtin_cpu_supports("f16c")) f |= SL_CPU_F16C;
    if (__builtin_cpu_supports("avx512f")) f |= SL_CPU_AVX512F;
#endif
    return f;
}

// Reads "MemTotal" / "MemAvailable" (kB) from /proc/meminfo.
uint64_t meminfo_bytes(const char* key) {
    FILE* f = std::fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    uint64_t value = 0;
    size_t key_len = std::strlen(key);
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
            unsigned long long kb = 0;
            if (std::sscanf(line + key_len + 1, "%llu", &kb) == 1) value = kb * 1024ull;
            break;
        }
    }
    std::fclose(f);
    return value;
}

// Counts distinct (physical id, core id) pairs and reads the model name from /proc/cpuinfo.
int physical_cores(char* model_name, size_t name_size) {
    FILE* f = std::fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    std::set<std::pair<int, int>> cores;
    int physical = 0;
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
        int v;
        if (std::sscanf(line, "physical id : %d", &v) == 1) physical = v;
        else if (std::sscanf(line, "core id : %d", &v) == 1) cores.insert({physical, v});
        else if (model_name[0] == '\0' && std::strncmp(line, "model name", 10) == 0) {
            const char* colon = std::strchr(line, ':');
            if (colon) {
                std::snprintf(model_name, name_size, "%s", colon + 2);
                model_name[std::strcspn(model_name, "\n")] = '\0';
            }
        }
    }
    std::fclose(f);
    return static_cast<int>(cores.size());
}

}  // namespace

CpuInfo probe_cpu() {
    CpuInfo info{};
    long logical = sysconf(_SC_NPROCESSORS_ONLN);
    info.logical_cores = logical > 0 ? static_cast<int>(logical) : 1;
    int physical = physical_cores(info.model_name, sizeof info.model_name);
    info.physical_cores = physical > 0 ? physical : info.logical_cores;
    if (info.model_name[0] == '\0') std::snprintf(info.model_name, sizeof info.model_name, "CPU");
    info.features = detect_features();
    info.total_memory = meminfo_bytes("MemTotal");
    info.available_memory = meminfo_bytes("MemAvailable");
    return info;
}

}  // namespace sl::cpu
