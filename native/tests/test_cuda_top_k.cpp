// Device top-k against a stable host sort on fresh random logits: ids and values exact, descending,
// ties broken by the lower id (checked on logits drawn from a handful of values, -inf included), for
// k = 1 (the argmax path) up to 256 and n from 1 to 256k, segment boundaries included.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "check.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"

namespace {

using sltest::DeviceBuffer;

enum class Kind { Normal, Ties };

std::vector<float> make_logits(std::mt19937& rng, int64_t n, Kind kind) {
    std::normal_distribution<float> dist(0.0f, 3.0f);
    std::uniform_int_distribution<int> few(-3, 3);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) {
        if (kind == Kind::Normal) {
            x = dist(rng);
        } else {
            const int f = few(rng);
            x = f == -3 ? -INFINITY : static_cast<float>(f);  // many exact ties, some -inf
        }
    }
    return v;
}

void run_case(std::mt19937& rng, int64_t n, int k, Kind kind) {
    const std::vector<float> logits = make_logits(rng, n, kind);
    std::vector<int32_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });

    DeviceBuffer<float> dlogits(logits);
    DeviceBuffer<int32_t> dids(std::vector<int32_t>(static_cast<size_t>(k), -7));
    DeviceBuffer<float> dvals(std::vector<float>(static_cast<size_t>(k), NAN));
    DeviceBuffer<uint8_t> ws(sl::cuda::top_k_workspace_bytes(n, k));
    sl::cuda::top_k(dlogits.get(), n, k, dids.get(), dvals.get(), ws.get(), nullptr);
    const std::vector<int32_t> ids = dids.download();
    const std::vector<float> vals = dvals.download();

    int wrong = 0, first_wrong = -1;
    for (int i = 0; i < k; ++i) {
        const bool ok = ids[i] == order[i] && vals[i] == logits[order[i]];
        if (!ok && wrong++ == 0) first_wrong = i;
    }
    std::printf("top_k n %6lld k %3d %-6s | wrong %3d", (long long)n, k, kind == Kind::Normal ? "normal" : "ties", wrong);
    if (wrong)
        std::printf(" | first at rank %d: id %d value %g, want id %d value %g", first_wrong, ids[first_wrong],
                    vals[first_wrong], order[first_wrong], logits[order[first_wrong]]);
    std::printf("\n");
    CHECK_EQ(wrong, 0);
}

}  // namespace

int main() {
    if (const char* reason = sltest::cuda_skip_reason()) return sltest::skip("test_cuda_top_k", reason);
    std::mt19937 rng(std::random_device{}());
    const int64_t sizes[] = {1, 5, 300, 4096, 4097, 40000, 128256, 262144};
    const int ks[] = {1, 2, 40, 256};
    for (const Kind kind : {Kind::Normal, Kind::Ties})
        for (const int64_t n : sizes)
            for (const int k : ks)
                if (k <= n) run_case(rng, n, k, kind);
    return sltest::finish("test_cuda_top_k");
}
