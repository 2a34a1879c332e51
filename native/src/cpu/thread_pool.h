// A small persistent pool of worker threads for the CPU backend. A job is cut into pieces, and the
// pieces into one contiguous home range per thread (the caller's thread included): each thread
// runs its own range front to back, so a matmul's rows are streamed as one contiguous part per
// thread, and claims them on a counter of its own cache line (no shared counter for 16 threads to
// fight over). A thread that is done takes pieces from the back of the others' ranges, so a worker
// that is asleep or descheduled (the machine may be shared; the streaming engine's copy threads
// need cores too) never holds the caller up, it just does less. Between jobs the workers spin
// briefly (the ops of one token follow each other within microseconds) and then sleep on a futex,
// so an idle model costs no CPU. Threads are not pinned: the OS may move them off a core that
// another thread needs, which costs nothing here but the pieces a thread did not get to.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace sl::cpu {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Calls fn(begin, end, thread) over contiguous pieces of [0, n) made of whole `grain`s and
    // returns when all are done. `thread` (< size()) is unique among the pieces running at once.
    template <class Fn>
    void parallel_for(int64_t n, int64_t grain, Fn&& fn) {
        if (n <= 0) return;
        const int64_t grains = (n + grain - 1) / grain;
        const int64_t pieces = std::min<int64_t>(grains, int64_t{n_threads_} * kPiecesPerThread);
        auto piece = [&](int64_t index, int thread) {
            const int64_t begin = grains * index / pieces * grain;
            const int64_t end = std::min(n, grains * (index + 1) / pieces * grain);
            if (begin < end) fn(begin, end, thread);
        };
        auto trampoline = [](void* ctx, int64_t index, int thread) { (*static_cast<decltype(piece)*>(ctx))(index, thread); };
        dispatch(trampoline, &piece, pieces);
    }

private:
    // More pieces than threads lets the threads that are running take over from those that are not.
    static constexpr int64_t kPiecesPerThread = 4;

    // One thread's home range of the current job: generation << 32 | next piece << 16 | end, so
    // a claim left over from an older job fails. The owner takes `next`, others take `end - 1`.
    struct alignas(64) Range {
        std::atomic<uint64_t> word{0};
    };

    using PieceFn = void (*)(void* ctx, int64_t index, int thread);
    struct Job {
        std::atomic<PieceFn> fn{nullptr};
        std::atomic<void*> ctx{nullptr};
        std::atomic<int64_t> n_pieces{0};
    };

    void dispatch(PieceFn fn, void* ctx, int64_t n_pieces);
    // Claims and runs pieces of job `generation` until none are left.
    void run_pieces(uint32_t generation, int thread);
    // A piece of job `generation` from the front (own range) or the back (another's) of range r.
    bool claim(uint32_t generation, int r, bool front, int64_t* piece);
    void worker(int thread);

    int n_threads_;
    std::vector<std::thread> workers_;
    // Two slots, by generation parity: a late worker still reading job g's slot cannot see it
    // rewritten before job g + 2, and by then its claim on g fails.
    Job jobs_[2];
    std::atomic<bool> stopping_{false};
    std::vector<Range> ranges_;  // one per thread
    alignas(64) std::atomic<uint32_t> generation_{0};
    alignas(64) std::atomic<int64_t> done_{0};  // pieces of the current job finished
    alignas(64) std::atomic<int> sleeping_workers_{0};
    std::atomic<bool> caller_sleeping_{false};
};

}  // namespace sl::cpu
