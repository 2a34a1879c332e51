#include "cpu/matmul_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/status.h"
#include "cpu/cpu_backend.h"
#include "formats/types.h"

namespace sl::cpu {
namespace {

// As wide as a 70B layer's rows: the kernels' per-row costs weigh as they do in a real model.
constexpr int64_t kCols = 8192;

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};

}  // namespace

double measure_matmul_bandwidth(sl_type type, uint64_t bytes, int n_threads, int repeats) {
    const TypeTraits* traits = type_traits(type);
    if (!traits || !traits->is_weight_type || type == SL_TYPE_F32)
        raise(SL_ERR_INVALID_ARGUMENT, "no 8-bit CPU kernel reads weights of type %d", static_cast<int>(type));
    const uint64_t row = row_bytes(type, kCols);
    const int64_t rows = std::max<int64_t>(1, static_cast<int64_t>(bytes / row));
    const size_t size = (static_cast<size_t>(rows * row) + 4095) / 4096 * 4096;
    std::unique_ptr<void, FreeDeleter> weights(std::aligned_alloc(4096, size));
    if (!weights) raise(SL_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes to measure the CPU kernels", size);

    CpuBackend cpu(CpuBackendOptions{n_threads, /*activation_q8=*/true});
    // Any bytes are valid blocks (0x11 scales are small normal halves): the kernels' time does not
    // depend on the values.
    const WeightRef w{weights.get(), type, kCols, rows, SL_TIER_PINNED};
    std::memset(weights.get(), 0x11, size);
    std::vector<float> x(kCols, 0.5f), y(static_cast<size_t>(rows));
    double best = 0;
    for (int r = 0; r <= std::max(1, repeats); ++r) {  // the first pass warms up
        const auto start = std::chrono::steady_clock::now();
        cpu.matmul(w, {x.data(), 1, kCols}, {y.data(), 1, rows}, false);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r > 0) best = std::max(best, static_cast<double>(rows * row) / seconds);
    }
    return best;
}

}  // namespace sl::cpu
