// The pool runs every job on every thread exactly once, splits ranges without gaps or overlaps,
// and keeps doing so across many quick jobs and after its workers have gone to sleep.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "check.h"
#include "cpu/thread_pool.h"

namespace {

void every_thread_runs_once(sl::cpu::ThreadPool& pool) {
    std::vector<std::atomic<int>> calls(static_cast<size_t>(pool.size()));
    pool.run([&](int thread, int n_threads) {
        CHECK_EQ(n_threads, pool.size());
        calls[static_cast<size_t>(thread)].fetch_add(1);
    });
    for (auto& c : calls) CHECK_EQ(c.load(), 1);
}

void ranges_cover_each_index_once(sl::cpu::ThreadPool& pool, int64_t n, int64_t grain) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    bool aligned = true;
    pool.parallel_for(n, grain, [&](int64_t begin, int64_t end, int) {
        if (begin % grain != 0) aligned = false;
        for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
    });
    CHECK(aligned);
    int wrong = 0;
    for (auto& h : hits) wrong += h.load() != 1;
    CHECK_EQ(wrong, 0);
}

void many_quick_jobs_add_up(sl::cpu::ThreadPool& pool) {
    std::atomic<int64_t> sum{0};
    const int jobs = 2000;
    for (int j = 0; j < jobs; ++j) pool.run([&](int thread, int) { sum.fetch_add(thread + 1); });
    const int64_t per_job = int64_t{pool.size()} * (pool.size() + 1) / 2;
    CHECK_EQ(sum.load(), per_job * jobs);
}

void wakes_after_sleeping(sl::cpu::ThreadPool& pool) {
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // far past the spin budget
        every_thread_runs_once(pool);
    }
}

}  // namespace

int main() {
    for (int n_threads : {1, 2, 3, 5}) {
        sl::cpu::ThreadPool pool(n_threads);
        CHECK_EQ(pool.size(), n_threads);
        every_thread_runs_once(pool);
        for (int64_t n : {0, 1, 7, 16, 100, 1001})
            for (int64_t grain : {1, 4, 16}) ranges_cover_each_index_once(pool, n, grain);
        many_quick_jobs_add_up(pool);
        wakes_after_sleeping(pool);
    }
    return sltest::finish("test_thread_pool");
}
