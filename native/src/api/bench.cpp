// Measurements `sluice bench` reports beside its results, so each is read as a fraction of a roofline.
#include <chrono>
#include <span>

#include "core/status.h"
#include "model/session.h"
#ifdef SLUICE_WITH_CUDA
#include <string>

#include "cuda/cuda_backend.h"
#include "cuda/cuda_devices.h"
#endif
#include "cpu/cpu_info.h"
#include "cpu/matmul_bandwidth.h"
#include "cpu/memory_bandwidth.h"
#include "sluice/sluice.h"

namespace {

// Checks the call and runs one of the host measurements with n_threads threads (0: one per physical core).
template <class Measure>
sl_status measure_on_host(const char* name, uint64_t bytes, int32_t n_threads, double* bytes_per_second,
                          Measure measure) {
    return sl::guarded([&] {
        if (!bytes_per_second) return sl::fail(SL_ERR_INVALID_ARGUMENT, "%s: result is NULL", name);
        if (bytes < (1u << 20)) return sl::fail(SL_ERR_INVALID_ARGUMENT, "%s: use at least 1 MiB", name);
        if (n_threads < 0) return sl::fail(SL_ERR_INVALID_ARGUMENT, "%s: n_threads < 0", name);
        *bytes_per_second = measure(n_threads > 0 ? n_threads : sl::cpu::probe_cpu().physical_cores);
        return SL_OK;
    });
}

}  // namespace

extern "C" sl_status sl_measure_host_bandwidth(uint64_t bytes, int32_t n_threads, double* bytes_per_second) {
    return measure_on_host("sl_measure_host_bandwidth", bytes, n_threads, bytes_per_second,
                           [&](int threads) { return sl::cpu::measure_read_bandwidth(bytes, threads, 5); });
}

extern "C" sl_status sl_measure_cpu_matmul_bandwidth(int32_t type, uint64_t bytes, int32_t n_threads,
                                                     double* bytes_per_second) {
    return measure_on_host("sl_measure_cpu_matmul_bandwidth", bytes, n_threads, bytes_per_second, [&](int threads) {
        return sl::cpu::measure_matmul_bandwidth(static_cast<sl_type>(type), bytes, threads, 3);
    });
}

namespace {

// Checks the call and runs one of the CUDA copy measurements.
sl_status measure_cuda_copies(const char* name, int32_t device, uint64_t bytes, double* bytes_per_second,
                              [[maybe_unused]] double (*measure)(int, size_t)) {
    return sl::guarded([&] {
        if (!bytes_per_second) return sl::fail(SL_ERR_INVALID_ARGUMENT, "%s: result is NULL", name);
        if (bytes < (1u << 20)) return sl::fail(SL_ERR_INVALID_ARGUMENT, "%s: use at least 1 MiB", name);
#ifdef SLUICE_WITH_CUDA
        if (const std::string reason = sl::cuda::unavailable_reason(); !reason.empty())
            return sl::fail(SL_ERR_UNSUPPORTED, "no CUDA device to measure: %s", reason.c_str());
        *bytes_per_second = measure(device, bytes);
        return SL_OK;
#else
        return sl::fail(SL_ERR_UNSUPPORTED, "this build of Sluice has no CUDA backend");
#endif
    });
}

#ifdef SLUICE_WITH_CUDA
constexpr auto kDeviceCopies = &sl::cuda::measure_copy_bandwidth;
constexpr auto kHostToDeviceCopies = &sl::cuda::measure_host_to_device_bandwidth;
#else
constexpr double (*kDeviceCopies)(int, size_t) = nullptr;
constexpr double (*kHostToDeviceCopies)(int, size_t) = nullptr;
#endif

}  // namespace

extern "C" sl_status sl_measure_device_bandwidth(int32_t device, uint64_t bytes, double* bytes_per_second) {
    return measure_cuda_copies("sl_measure_device_bandwidth", device, bytes, bytes_per_second, kDeviceCopies);
}

extern "C" sl_status sl_measure_host_to_device_bandwidth(int32_t device, uint64_t bytes, double* bytes_per_second) {
    return measure_cuda_copies("sl_measure_host_to_device_bandwidth", device, bytes, bytes_per_second,
                               kHostToDeviceCopies);
}

extern "C" sl_status sl_session_bench_decode(sl_session* session, int32_t token, int32_t n_tokens, double* seconds) {
    return sl::guarded([&] {
        if (!session || !seconds) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_bench_decode: session or seconds is NULL");
        if (n_tokens <= 0) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_bench_decode: n_tokens = %d", n_tokens);
        int32_t id = token;
        float logit = 0;
        const auto start = std::chrono::steady_clock::now();
        for (int32_t i = 0; i < n_tokens; ++i)
            session->decode(std::span(&id, 1), sl::model::DecodeOutput{.top_k = 1, .ids = &id, .values = &logit});
        *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return SL_OK;
    });
}
