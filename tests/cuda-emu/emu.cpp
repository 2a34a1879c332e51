#include "emu.h"

#include "core/status.h"
#include "cuda/cuda_check.h"

#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <vector>

thread_local uint3 threadIdx, blockIdx;
thread_local dim3 blockDim, gridDim;

extern "C" void emu_swap(void** save_sp, void* to_sp);
extern "C" void emu_trampoline();
asm(R"(
.text
.globl emu_swap
.type emu_swap,@function
emu_swap:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
.size emu_swap, .-emu_swap
.globl emu_trampoline
.type emu_trampoline,@function
emu_trampoline:
  movq %r12, %rdi
  callq *%r13
  ud2
.size emu_trampoline, .-emu_trampoline
)");

namespace emu {
namespace {
constexpr size_t kStack = 64 * 1024, kPage = 4096, kMaxThreads = 1024, kSmemMax = 232448;

struct Warp {
    int live = 0, arrive = 0;
    unsigned gen = 0;
    int size = 0;
    uint64_t slots[32];
};
struct Block {
    int n = 0, live = 0, arrive = 0, cur = -1;
    unsigned gen = 0;
    bool progress = false;
    void* sched_sp = nullptr;
    std::vector<void*> sp;
    std::vector<char> done;
    std::vector<Warp> warps;
    const std::function<void()>* body = nullptr;
};
thread_local Block B;
thread_local char* stacks = nullptr;
thread_local char* smem_base = nullptr;
thread_local char* smem_cur = nullptr;
std::mutex attr_mu;
std::map<void*, int> max_dyn;

void die(const char* m) {
    std::fprintf(stderr, "EMU FATAL: %s (block %u,%u,%u thread %d)\n", m, blockIdx.x, blockIdx.y, blockIdx.z, B.cur);
    std::fflush(stderr);
    std::abort();
}
void yield() { emu_swap(&B.sp[B.cur], B.sched_sp); }

void maybe_release_block() {
    if (B.arrive > 0 && B.arrive == B.live) B.arrive = 0, ++B.gen, B.progress = true;
}
void maybe_release_warp(Warp& w) {
    if (w.arrive > 0 && w.arrive == w.live) w.arrive = 0, ++w.gen, B.progress = true;
}

void fiber_main(void*) {
    (*B.body)();
    B.done[B.cur] = 1;
    --B.live;
    Warp& w = B.warps[B.cur / 32];
    --w.live;
    B.progress = true;
    maybe_release_block();
    maybe_release_warp(w);
    emu_swap(&B.sp[B.cur], B.sched_sp);
    die("finished fiber resumed");
}

void set_tid(int i) {
    threadIdx.x = i % blockDim.x;
    threadIdx.y = (i / blockDim.x) % blockDim.y;
    threadIdx.z = i / (blockDim.x * blockDim.y);
}

void run_block(int n) {
    if (!stacks) {
        const size_t per = kStack + kPage;
        stacks = static_cast<char*>(mmap(nullptr, per * kMaxThreads, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
        if (stacks == MAP_FAILED) die("mmap stacks");
        for (size_t i = 0; i < kMaxThreads; ++i) mprotect(stacks + i * per, kPage, PROT_NONE);  // guard below each stack
    }
    B.n = n, B.live = n, B.arrive = 0, B.gen = 0, B.cur = -1;
    B.sp.assign(n, nullptr);
    B.done.assign(n, 0);
    B.warps.assign((n + 31) / 32, Warp{});
    for (int i = 0; i < n; ++i) B.warps[i / 32].live++, B.warps[i / 32].size++;
    for (int i = 0; i < n; ++i) {
        char* top = stacks + i * (kStack + kPage) + kPage + kStack;
        uint64_t* sp = reinterpret_cast<uint64_t*>(top - 128);
        sp[0] = 0x1F80ull | (0x037Full << 32);  // mxcsr, x87 control word
        sp[1] = 0;                                 // r15
        sp[2] = 0;                                 // r14
        sp[3] = reinterpret_cast<uint64_t>(&fiber_main);  // r13
        sp[4] = 0;                                 // r12 (arg)
        sp[5] = 0;                                 // rbx
        sp[6] = 0;                                 // rbp
        sp[7] = reinterpret_cast<uint64_t>(&emu_trampoline);
        B.sp[i] = sp;
    }
    while (B.live > 0) {
        B.progress = false;
        for (int i = 0; i < n; ++i) {
            if (B.done[i]) continue;
            B.cur = i;
            set_tid(i);
            emu_swap(&B.sched_sp, B.sp[i]);
        }
        if (!B.progress && B.live > 0) die("deadlock: every live thread waits at a barrier that cannot complete");
    }
    B.cur = -1;
}
}  // namespace

thread_local long long n_shuffles = 0;

void block_barrier() {
    ++B.arrive;
    B.progress = true;
    const unsigned g = B.gen;
    maybe_release_block();
    while (B.gen == g) yield();
}
void warp_barrier() {
    Warp& w = B.warps[B.cur / 32];
    ++w.arrive;
    B.progress = true;
    const unsigned g = w.gen;
    maybe_release_warp(w);
    while (w.gen == g) yield();
}
uint64_t* shfl_slots() { return B.warps[B.cur / 32].slots; }
int lane_id() { return B.cur % 32; }
void check_full_warp(unsigned mask) {
    ++n_shuffles;
    const Warp& w = B.warps[B.cur / 32];
    if (mask != 0xffffffffu) die("shuffle with a partial mask (not emulated)");
    if (w.size != 32) die("full-mask shuffle in a partial warp");
    if (w.live != 32) die("full-mask shuffle after some lanes of the warp exited");
}
void* dyn_smem() { return smem_cur; }
void set_max_dyn_smem(void* k, int bytes) {
    std::lock_guard<std::mutex> l(attr_mu);
    max_dyn[k] = bytes;
}
bool launch_ok(void* k, dim3 block, size_t smem) {
    const size_t threads = size_t{block.x} * block.y * block.z;
    if (threads == 0 || threads > kMaxThreads) return false;
    int allowed = 48 * 1024;
    {
        std::lock_guard<std::mutex> l(attr_mu);
        auto it = max_dyn.find(k);
        if (it != max_dyn.end()) allowed = std::max(allowed, it->second);
    }
    return smem <= size_t(allowed) && smem <= kSmemMax;
}
void run_grid(const char*, dim3 grid, dim3 block, size_t smem, void*, const std::function<void()>& body) {
    if (!smem_base) {
        smem_base = static_cast<char*>(mmap(nullptr, kSmemMax + kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        mprotect(smem_base + kSmemMax, kPage, PROT_NONE);  // guard page right after the dynamic buffer
    }
    const size_t rounded = (smem + 15) / 16 * 16;
    smem_cur = smem_base + kSmemMax - rounded;
    gridDim = grid, blockDim = block;
    const int n = int(block.x * block.y * block.z);
    // Blocks in a shuffled order (fixed seed per launch shape): no block may rely on another's order.
    std::vector<uint64_t> order(size_t{grid.x} * grid.y * grid.z);
    std::iota(order.begin(), order.end(), 0);
    static thread_local std::mt19937_64 rng(12345);
    std::shuffle(order.begin(), order.end(), rng);
    B.body = &body;
    for (uint64_t id : order) {
        blockIdx.x = unsigned(id % grid.x);
        blockIdx.y = unsigned(id / grid.x % grid.y);
        blockIdx.z = unsigned(id / (uint64_t{grid.x} * grid.y));
        std::memset(smem_cur, 0xff, rounded);  // stale shared memory reads as NaN
        run_block(n);
    }
}
}  // namespace emu

// cuda_check.cpp's two functions, without the CUDA runtime.
namespace sl {
namespace cuda {
void check(cudaError_t err, const char* what) {
    if (err != cudaSuccess) raise(SL_ERR_BACKEND, "%s failed (%d)", what, err);
}
void check_launch(const char*) {}
}  // namespace cuda
}  // namespace sl
