// A small persistent pool of worker threads for the CPU backend. The caller's thread takes part
// as thread 0. Between jobs the workers spin briefly (ops of one token follow each other within
// microseconds) and then sleep on a futex, so an idle model costs no CPU.
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

    // Runs fn(thread, n_threads) once on every thread and returns when all have finished.
    template <class Fn>
    void run(Fn&& fn) {
        auto trampoline = [](void* ctx, int thread, int n) { (*static_cast<Fn*>(ctx))(thread, n); };
        dispatch(trampoline, &fn);
    }

    // Splits [0, n) into contiguous ranges of whole `grain`s, one per thread: fn(begin, end, thread).
    template <class Fn>
    void parallel_for(int64_t n, int64_t grain, Fn&& fn) {
        run([&](int thread, int n_threads) {
            const int64_t grains = (n + grain - 1) / grain;
            const int64_t begin = grains * thread / n_threads * grain;
            const int64_t end = std::min(n, grains * (thread + 1) / n_threads * grain);
            if (begin < end) fn(begin, end, thread);
        });
    }

private:
    using JobFn = void (*)(void* ctx, int thread, int n_threads);

    void dispatch(JobFn fn, void* ctx);
    void worker(int thread);

    int n_threads_;
    std::vector<std::thread> workers_;
    JobFn job_ = nullptr;
    void* job_ctx_ = nullptr;
    bool stopping_ = false;
    alignas(64) std::atomic<uint32_t> generation_{0};  // bumped once per job
    alignas(64) std::atomic<int> sleeping_workers_{0};
    alignas(64) std::atomic<int> pending_{0};          // workers still running the current job
    alignas(64) std::atomic<bool> caller_sleeping_{false};
};

}  // namespace sl::cpu
