#include "cpu/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sl::cpu {
namespace {

// About 50-100 microseconds of polling: longer than the gap between two ops of one token, short
// enough that an idle pool sleeps almost at once.
constexpr int kSpinIterations = 1 << 12;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

// Polls until pred() holds; true if it did before the spin budget ran out.
template <class Pred>
bool spin_until(Pred pred) {
    for (int i = 0; i < kSpinIterations; ++i) {
        if (pred()) return true;
        cpu_relax();
    }
    return pred();
}

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
    workers_.reserve(static_cast<size_t>(n_threads_ - 1));
    for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker(t); });
}

ThreadPool::~ThreadPool() {
    stopping_ = true;
    generation_.fetch_add(1);
    generation_.notify_all();
    for (std::thread& w : workers_) w.join();
}

void ThreadPool::dispatch(JobFn fn, void* ctx) {
    if (n_threads_ == 1) {
        fn(ctx, 0, 1);
        return;
    }
    job_ = fn;
    job_ctx_ = ctx;
    pending_.store(n_threads_ - 1);
    // seq_cst on both sides: either a worker about to sleep sees the new generation, or we see it
    // sleeping and wake it.
    generation_.fetch_add(1);
    if (sleeping_workers_.load() > 0) generation_.notify_all();

    fn(ctx, 0, n_threads_);

    if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
        caller_sleeping_.store(true);
        for (int left = pending_.load(); left != 0; left = pending_.load()) pending_.wait(left);
        caller_sleeping_.store(false);
    }
}

void ThreadPool::worker(int thread) {
    uint32_t seen = 0;
    for (;;) {
        if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
            sleeping_workers_.fetch_add(1);
            generation_.wait(seen);
            sleeping_workers_.fetch_sub(1);
        }
        seen = generation_.load(std::memory_order_acquire);
        if (stopping_) return;
        job_(job_ctx_, thread, n_threads_);
        if (pending_.fetch_sub(1) == 1 && caller_sleeping_.load()) pending_.notify_one();
    }
}

}  // namespace sl::cpu
