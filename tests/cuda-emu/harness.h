// What the emulated kernels' test programs share: guarded buffers, the command line, and running
// the cases on every core.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "core/half.h"

// A buffer 16-byte aligned, ending (rounded to 16 bytes) right before a PROT_NONE guard page, so any
// access past its end faults instead of passing unseen.
template <class T>
struct Aligned {
    T* p = nullptr;
    size_t n = 0;
    char* map = nullptr;
    size_t map_len = 0;
    explicit Aligned(size_t n_) : n(n_) {
        const size_t bytes = (n * sizeof(T) + 15) / 16 * 16, page = 4096;
        const size_t body = (bytes + page - 1) / page * page;
        map_len = body + page;
        map = static_cast<char*>(mmap(nullptr, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (map == MAP_FAILED) std::abort();
        mprotect(map + body, page, PROT_NONE);
        p = reinterpret_cast<T*>(map + body - bytes);
    }
    ~Aligned() { munmap(map, map_len); }
    Aligned(const Aligned&) = delete;
    T* get() const { return p; }
};

// --quick (a subset of the cases) and --tol=X (the pass bound, *tol).
inline bool parse_options(int argc, char** argv, double* tol) {
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick")) quick = true;
        if (!std::strncmp(argv[i], "--tol=", 6)) *tol = std::atof(argv[i] + 6);
    }
    return quick;
}

// run(i) for i < n on one thread a core (each case its own emulated launches).
template <class F>
void run_on_every_core(size_t n, F&& run) {
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i; (i = next++) < n;) run(i);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
}

// ggml's block_q8_1 as warp_store_q8_1 writes it: d = amax / 127, q = roundf(x / d), s = d * sum(q),
// d and s as fp16 (nearest even).
inline std::vector<uint8_t> host_q8_1(const float* x, int64_t cols) {
    std::vector<uint8_t> out(static_cast<size_t>(cols / 32 * 36));
    for (int64_t b = 0; b < cols / 32; ++b) {
        const float* v = x + 32 * b;
        uint8_t* block = out.data() + b * 36;
        float amax = 0;
        for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(v[i]));
        const float d = amax / 127.0f;
        int sum = 0;
        for (int i = 0; i < 32; ++i) {
            const int q = amax == 0.0f ? 0 : int(roundf(v[i] / d));
            block[4 + i] = uint8_t(int8_t(q));
            sum += q;
        }
        const uint16_t ds[2] = {sl::fp32_to_fp16(d), sl::fp32_to_fp16(d * float(sum))};
        std::memcpy(block, ds, 4);
    }
    return out;
}
