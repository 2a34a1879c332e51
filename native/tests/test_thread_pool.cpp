// The pool covers every index exactly once in whole grains, never runs two pieces under one
// thread id at the same time, and keeps working across many quick jobs and after its workers sleep.
#include <algorithm>
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

// Each thread runs the pieces of its home range (a contiguous share of the job) front to back;
// pieces it takes from others come from their back. So within its own range a thread's pieces rise.
void home_ranges_run_in_order(sl::cpu::ThreadPool& pool) {
    const int64_t n = 1000;
    std::vector<std::vector<int64_t>> seen(static_cast<size_t>(pool.size()));
    pool.parallel_for(n, 1, [&](int64_t begin, int64_t, int thread) { seen[static_cast<size_t>(thread)].push_back(begin); });
    std::vector<int64_t> starts;  // the first index of each piece, in order
    for (const auto& v : seen) starts.insert(starts.end(), v.begin(), v.end());
    std::sort(starts.begin(), starts.end());
    const int64_t pieces = static_cast<int64_t>(starts.size());
    int out_of_order = 0;
    for (int t = 0; t < pool.size(); ++t) {
        const int64_t first = starts[static_cast<size_t>(pieces * t / pool.size())];
        const int64_t end = t + 1 < pool.size() ? starts[static_cast<size_t>(pieces * (t + 1) / pool.size())] : n;
        int64_t last = -1;
        for (int64_t begin : seen[static_cast<size_t>(t)]) {
            if (begin < first || begin >= end) continue;
            out_of_order += begin < last;
            last = begin;
        }
    }
    CHECK_EQ(out_of_order, 0);
}

// A thread stuck in a piece (descheduled, say) holds up only that piece: the others take the rest
// of its range. Piece 0 stays stuck until the others have done everything else, which they can only
// do by taking over the pieces queued behind it; if they cannot, it gives up after 10 s and the
// check fails. Which thread runs piece 0 is not fixed: a descheduled caller's range may be taken
// whole, piece 0 included, by a worker, and the caller then takes pieces from others' ranges.
void others_take_over_a_stuck_range(sl::cpu::ThreadPool& pool) {
    std::atomic<int> total{0};
    std::atomic<bool> released{false};
    pool.parallel_for(64, 1, [&](int64_t begin, int64_t end, int) {
        if (begin == 0) {
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (total.load() < 64 - (end - begin) && std::chrono::steady_clock::now() < give_up)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            released.store(total.load() == 64 - (end - begin));
        }
        total.fetch_add(static_cast<int>(end - begin));
    });
    CHECK_EQ(total.load(), 64);
    CHECK(released.load());  // everything but piece 0 was done while piece 0 was stuck
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
        home_ranges_run_in_order(pool);
        if (n_threads > 1) others_take_over_a_stuck_range(pool);
    }
    // More threads than this machine has cores, as on a 16-core host.
    sl::cpu::ThreadPool wide(16);
    for (int64_t n : {1, 15, 16, 17, 64, 1001}) ranges_cover_each_index_once(wide, n, 1);
    many_quick_jobs_add_up(wide);
    home_ranges_run_in_order(wide);
    return sltest::finish("test_thread_pool");
}
