#include "cpu/thread_pool.h"

#include <algorithm>

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

// At most 4096 threads: a job's pieces (kPiecesPerThread per thread) must fit the 16-bit fields of a Range.
ThreadPool::ThreadPool(int n_threads)
    : n_threads_(std::clamp(n_threads, 1, 4096)), ranges_(static_cast<size_t>(n_threads_)) {
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
    for (int r = 0; r < n_threads_; ++r) {
        const uint64_t begin = static_cast<uint64_t>(n_pieces * r / n_threads_);
        const uint64_t end = static_cast<uint64_t>(n_pieces * (r + 1) / n_threads_);
        ranges_[static_cast<size_t>(r)].word.store(uint64_t{generation} << 32 | begin << 16 | end, std::memory_order_relaxed);
    }
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

bool ThreadPool::claim(uint32_t generation, int r, bool front, int64_t* piece) {
    std::atomic<uint64_t>& word = ranges_[static_cast<size_t>(r)].word;
    uint64_t w = word.load();
    for (;;) {
        const uint64_t next = (w >> 16) & 0xffffu, end = w & 0xffffu;
        if (static_cast<uint32_t>(w >> 32) != generation || next >= end) return false;
        const uint64_t claimed = front ? w + (uint64_t{1} << 16) : w - 1;
        if (word.compare_exchange_weak(w, claimed)) {
            *piece = static_cast<int64_t>(front ? next : end - 1);
            return true;
        }
    }
}

void ThreadPool::run_pieces(uint32_t generation, int thread) {
    const Job& job = jobs_[generation & 1];
    const PieceFn fn = job.fn.load(std::memory_order_relaxed);
    void* const ctx = job.ctx.load(std::memory_order_relaxed);
    const int64_t n_pieces = job.n_pieces.load(std::memory_order_relaxed);
    int64_t done = 0, piece = 0;
    while (claim(generation, thread, true, &piece)) {  // the home range, in order
        fn(ctx, piece, thread);
        ++done;
    }
    for (int step = 1; step < n_threads_; ++step) {  // then whatever the others have not started
        const int victim = (thread + step) % n_threads_;
        while (claim(generation, victim, false, &piece)) {
            fn(ctx, piece, thread);
            ++done;
        }
    }
    // One add per thread and job: the caller's wait ends with the last thread's.
    if (done > 0 && done_.fetch_add(done) + done == n_pieces && caller_sleeping_.load()) done_.notify_one();
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
