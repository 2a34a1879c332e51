// Measurements `sluice bench` reports beside its results, so each is read as a fraction of a roofline.
#include "core/status.h"
#include "cpu/cpu_info.h"
#include "cpu/memory_bandwidth.h"
#include "sluice/sluice.h"

extern "C" sl_status sl_measure_host_bandwidth(uint64_t bytes, int32_t n_threads, double* bytes_per_second) {
    return sl::guarded([&] {
        if (!bytes_per_second) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_measure_host_bandwidth: result is NULL");
        if (bytes < (1u << 20)) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_measure_host_bandwidth: use at least 1 MiB");
        if (n_threads < 0) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_measure_host_bandwidth: n_threads < 0");
        int threads = n_threads > 0 ? n_threads : sl::cpu::probe_cpu().physical_cores;
        *bytes_per_second = sl::cpu::measure_read_bandwidth(bytes, threads, 5);
        return SL_OK;
    });
}
