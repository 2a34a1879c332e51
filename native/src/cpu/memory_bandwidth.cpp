#include "cpu/memory_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>

#include "cpu/thread_pool.h"

namespace sl::cpu {
namespace {

// Words prefetched ahead of the sums: the matmul kernels stream their weights the same way, and
// without it one core's reads wait on memory latency and measure less than the RAM delivers.
constexpr int64_t kPrefetchWords = 2048 / sizeof(uint64_t);

// Sums 64-bit words in four independent lanes so the loop is bound by loads, not by one add chain;
// the result is returned so the compiler cannot drop the reads.
uint64_t sum_words(const uint64_t* p, int64_t n) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        if (i % 8 == 0) __builtin_prefetch(p + i + kPrefetchWords);  // one per 64-byte line
        a += p[i];
        b += p[i + 1];
        c += p[i + 2];
        d += p[i + 3];
    }
    for (; i < n; ++i) a += p[i];
    return a + b + c + d;
}

}  // namespace

double measure_read_bandwidth(uint64_t bytes, int n_threads, int repeats) {
    const int64_t words = static_cast<int64_t>(bytes / sizeof(uint64_t));
    std::unique_ptr<uint64_t[]> data(new uint64_t[static_cast<size_t>(words)]);
    ThreadPool pool(n_threads);
    // Touch every page from the threads that will read it, so the timing sees no page faults.
    pool.parallel_for(words, 4096, [&](int64_t begin, int64_t end, int) {
        std::memset(data.get() + begin, 1, static_cast<size_t>(end - begin) * sizeof(uint64_t));
    });
    std::vector<uint64_t> sinks(static_cast<size_t>(pool.size()));
    double best = 0;
    for (int r = 0; r < std::max(1, repeats); ++r) {
        auto start = std::chrono::steady_clock::now();
        pool.parallel_for(words, 4096, [&](int64_t begin, int64_t end, int thread) {
            sinks[static_cast<size_t>(thread)] += sum_words(data.get() + begin, end - begin);
        });
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best = std::max(best, static_cast<double>(words * sizeof(uint64_t)) / seconds);
    }
    volatile uint64_t keep = 0;
    for (uint64_t s : sinks) keep = keep + s;
    return best;
}

}  // namespace sl::cpu
