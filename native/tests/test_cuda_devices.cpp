// CUDA device discovery on a machine with a GPU (skipped, exit 77, on machines without one):
// every device reports a name, a compute capability, and consistent memory figures.
#include <cstdio>
#include <cstring>

#include "check.h"
#include "sluice/sluice.h"

int main() {
    if (const char* reason = sl_cuda_unavailable_reason()) {
        return sltest::skip("test_cuda_devices", reason);
    }
    int32_t count = 0;
    CHECK_EQ(sl_device_count(&count), SL_OK);
    CHECK(count >= 2);  // the CPU and at least one GPU
    for (int32_t i = 1; i < count; ++i) {
        sl_device_info info;
        CHECK_EQ(sl_device_get(i, &info), SL_OK);
        std::printf("cuda:%d %s cc %d.%d, %d SMs, %.1f GiB (%.1f free)\n", info.ordinal, info.name, info.compute_major,
                    info.compute_minor, info.cores, info.total_memory / 1073741824.0, info.free_memory / 1073741824.0);
        CHECK_EQ(info.backend, SL_BACKEND_CUDA);
        CHECK_EQ(info.ordinal, i - 1);
        CHECK(std::strlen(info.name) > 0);
        CHECK(info.compute_major >= 7);
        CHECK(info.cores > 0);
        CHECK(info.total_memory > (1ull << 30));
        CHECK(info.free_memory > 0 && info.free_memory <= info.total_memory);
    }
    return sltest::finish("test_cuda_devices");
}
