// The C ABI's contract: statuses and thread-local messages on failure, device discovery that
// always finds the CPU and never fails without a GPU.
#include <cstring>
#include <string>
#include <thread>

#include "check.h"
#include "sluice/sluice.h"

static void error_path_sets_status_and_message() {
    sl_device_info info;
    CHECK_EQ(sl_device_get(-1, &info), SL_ERR_INVALID_ARGUMENT);
    CHECK(std::strstr(sl_last_error(), "out of range") != nullptr);
    CHECK_EQ(sl_device_get(0, nullptr), SL_ERR_INVALID_ARGUMENT);
    CHECK(std::strstr(sl_last_error(), "NULL") != nullptr);
    CHECK_EQ(sl_device_count(nullptr), SL_ERR_INVALID_ARGUMENT);
}

static void success_clears_message() {
    sl_device_info info;
    CHECK_EQ(sl_device_get(-1, &info), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_device_get(0, &info), SL_OK);
    CHECK(std::strcmp(sl_last_error(), "") == 0);
}

static void messages_are_per_thread() {
    sl_device_info info;
    CHECK_EQ(sl_device_get(-5, &info), SL_ERR_INVALID_ARGUMENT);
    std::string other;
    std::thread t([&] { other = sl_last_error(); });
    t.join();
    CHECK(other.empty());
    CHECK(std::strlen(sl_last_error()) > 0);
}

static void cpu_is_always_device_zero() {
    int32_t count = 0;
    CHECK_EQ(sl_device_count(&count), SL_OK);
    CHECK(count >= 1);
    sl_device_info info;
    CHECK_EQ(sl_device_get(0, &info), SL_OK);
    CHECK_EQ(info.backend, SL_BACKEND_CPU);
    CHECK(info.cores >= 1);
    CHECK(info.total_memory > 0);
    CHECK(std::strlen(info.name) > 0);
    for (int32_t i = 1; i < count; ++i) {
        CHECK_EQ(sl_device_get(i, &info), SL_OK);
        CHECK_EQ(info.backend, SL_BACKEND_CUDA);
        CHECK(info.total_memory > 0);
    }
    // With no GPU the reason says so; with one, there is none.
    const char* reason = sl_cuda_unavailable_reason();
    CHECK((count == 1) == (reason != nullptr));
}

static void names_and_version() {
    CHECK(std::strcmp(sl_status_name(SL_ERR_IO), "SL_ERR_IO") == 0);
    CHECK(std::strcmp(sl_version(), SLUICE_VERSION) == 0);
}

static void host_bandwidth_is_measured() {
    double bps = 0;
    CHECK_EQ(sl_measure_host_bandwidth(1024, 1, &bps), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_measure_host_bandwidth(64u << 20, 1, nullptr), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_measure_host_bandwidth(16u << 20, 2, &bps), SL_OK);
    CHECK(bps > 1e8);  // any machine reads faster than 100 MB/s
}

static void cpu_matmul_bandwidth_is_measured() {
    double bps = 0;
    CHECK_EQ(sl_measure_cpu_matmul_bandwidth(SL_TYPE_Q4_K, 1024, 1, &bps), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_measure_cpu_matmul_bandwidth(SL_TYPE_Q4_K, 16u << 20, 1, nullptr), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_measure_cpu_matmul_bandwidth(SL_TYPE_F32, 16u << 20, 1, &bps), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_measure_cpu_matmul_bandwidth(SL_TYPE_Q8_K, 16u << 20, 1, &bps), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_measure_cpu_matmul_bandwidth(12345, 16u << 20, 1, &bps), SL_ERR_INVALID_ARGUMENT);
    for (sl_type type : {SL_TYPE_Q4_K, SL_TYPE_Q6_K, SL_TYPE_Q8_0, SL_TYPE_F16}) {
        bps = 0;
        CHECK_EQ(sl_measure_cpu_matmul_bandwidth(type, 16u << 20, 2, &bps), SL_OK);
        CHECK(bps > 1e8);
    }
}

int main() {
    error_path_sets_status_and_message();
    success_clears_message();
    messages_are_per_thread();
    cpu_is_always_device_zero();
    names_and_version();
    host_bandwidth_is_measured();
    cpu_matmul_bandwidth_is_measured();
    return sltest::finish("test_abi");
}
