#include "cpu/thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sl::cpu {
namespace {

// Tens of microseconds of polling: longer than the gap between two ops of one token, short enough
// that an idle pool sleeps almost at once.
constexpr int kSpinIterations = 1 << 12;
// On a shared machine a spinning thread may hold the core another of ours needs: yield now and then.
constexpr int kYieldEvery = 256;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

// Polls until pred() holds; true if it did before the spin budget ran out.
template <class Pred>
bool spin_until(Pred pred) {
    for (int i = 1; i <= kSpinIterations; ++i) {
        if (pred()) return true;
        if (i % kYieldEvery == 0) std::this_thread::yield();
        else cpu_relax();
    }
    return pred();
}

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
    workers_.reserve(static_cast<size_t>(n_threads_ - 1));
    for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker(t); });
}

ThreadPool::~ThreadPool() {
    stopping_.store(true);
    generation_.fetch_add(1);
    generation_.notify_all();
    for (std::thread& w : workers_) w.join();
}

void ThreadPool::dispatch(PieceFn fn, void* ctx, int64_t n_pieces) {
    if (n_threads_ == 1 || n_pieces == 1) {
        for (int64_t i = 0; i < n_pieces; ++i) fn(ctx, i, 0);
        return;
    }
    const uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
    Job& job = jobs_[generation & 1];
    job.fn.store(fn, std::memory_order_relaxed);
    job.ctx.store(ctx, std::memory_order_relaxed);
    job.n_pieces.store(n_pieces, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    claim_.store(uint64_t{generation} << 32);
    // seq_cst on both sides: either a worker about to sleep sees the new generation, or we see it
    // sleeping and wake it.
    generation_.store(generation);
    if (sleeping_workers_.load() > 0) generation_.notify_all();

    run_pieces(generation, 0);

    if (!spin_until([&] { return done_.load(std::memory_order_acquire) == n_pieces; })) {
        caller_sleeping_.store(true);
        for (int64_t d = done_.load(); d != n_pieces; d = done_.load()) done_.wait(d);
        caller_sleeping_.store(false);
    }
}

void ThreadPool::run_pieces(uint32_t generation, int thread) {
    const Job& job = jobs_[generation & 1];
    const PieceFn fn = job.fn.load(std::memory_order_relaxed);
    void* const ctx = job.ctx.load(std::memory_order_relaxed);
    const int64_t n_pieces = job.n_pieces.load(std::memory_order_relaxed);
    for (;;) {
        uint64_t claim = claim_.load();
        do {
            if (static_cast<uint32_t>(claim >> 32) != generation || static_cast<int64_t>(claim & 0xffffffffu) >= n_pieces)
                return;
        } while (!claim_.compare_exchange_weak(claim, claim + 1));
        fn(ctx, static_cast<int64_t>(claim & 0xffffffffu), thread);
        if (done_.fetch_add(1) + 1 == n_pieces && caller_sleeping_.load()) done_.notify_one();
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
        if (stopping_.load()) return;
        run_pieces(seen, thread);
    }
}

}  // namespace sl::cpu
