// The pool covers every index exactly once in whole grains, never runs two pieces under one
// thread id at the same time, and keeps working across many quick jobs and after its workers sleep.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "check.h"
#include "cpu/thread_pool.h"

namespace {

void ranges_cover_each_index_once(sl::cpu::ThreadPool& pool, int64_t n, int64_t grain) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    std::vector<std::atomic<bool>> busy(static_cast<size_t>(pool.size()));
    std::atomic<int> misaligned{0}, bad_thread{0}, shared_thread{0};
    pool.parallel_for(n, grain, [&](int64_t begin, int64_t end, int thread) {
        if (thread < 0 || thread >= pool.size()) {
            bad_thread.fetch_add(1);
            return;
        }
        if (busy[static_cast<size_t>(thread)].exchange(true)) shared_thread.fetch_add(1);
        if (begin % grain != 0 || (end != n && end % grain != 0)) misaligned.fetch_add(1);
        for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        busy[static_cast<size_t>(thread)].store(false);
    });
    CHECK_EQ(misaligned.load(), 0);
    CHECK_EQ(bad_thread.load(), 0);
    CHECK_EQ(shared_thread.load(), 0);
    int wrong = 0;
    for (auto& h : hits) wrong += h.load() != 1;
    CHECK_EQ(wrong, 0);
}

void many_quick_jobs_add_up(sl::cpu::ThreadPool& pool) {
    std::atomic<int64_t> sum{0};
    const int jobs = 5000;
    for (int j = 0; j < jobs; ++j)
        pool.parallel_for(64, 1, [&](int64_t begin, int64_t end, int) { sum.fetch_add(end - begin); });
    CHECK_EQ(sum.load(), int64_t{64} * jobs);
}

void wakes_after_sleeping(sl::cpu::ThreadPool& pool) {
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // far past the spin budget
        ranges_cover_each_index_once(pool, 1000, 8);
    }
}

}  // namespace

int main() {
    for (int n_threads : {1, 2, 3, 5}) {
        sl::cpu::ThreadPool pool(n_threads);
        CHECK_EQ(pool.size(), n_threads);
        for (int64_t n : {0, 1, 7, 16, 100, 1001})
            for (int64_t grain : {1, 4, 16}) ranges_cover_each_index_once(pool, n, grain);
        many_quick_jobs_add_up(pool);
        wakes_after_sleeping(pool);
    }
    return sltest::finish("test_thread_pool");
}
