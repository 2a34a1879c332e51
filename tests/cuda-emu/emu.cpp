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
constexpr size_t kStack = 64 * 1024, kPage = 4096, kMaxThreads = 1024, kSmemMax = 232448, kMaxCluster = 16,
                 kMaxFibers = kMaxCluster * kMaxThreads;

struct Warp {
    int live = 0, arrive = 0;
    unsigned gen = 0;
    int size = 0;
    uint64_t slots[32];
};
// A barrier over some fibers: released when every live one has arrived.
struct Barrier {
    int live = 0, arrive = 0;
    unsigned gen = 0;
};
// The fibers of one block, or of a cluster's blocks (n threads each, block r's fibers r * n ..).
struct Block {
    int n = 0, live = 0, cur = -1;
    bool progress = false;
    std::vector<Barrier> blocks;  // __syncthreads of each block
    Barrier cluster;              // the cluster's barrier (all fibers)
    std::vector<uint3> block_idx;
    std::vector<char*> smem;      // each block's dynamic shared memory
    void* sched_sp = nullptr;
    std::vector<void*> sp;
    std::vector<char> done;
    std::vector<Warp> warps;
    const std::function<void()>* body = nullptr;
};
thread_local Block B;
thread_local char* stacks = nullptr;
thread_local size_t n_stacks = 0;
thread_local char* smem_base = nullptr;  // kMaxCluster regions, each followed by a guard page
thread_local size_t smem_bytes = 0;      // of the current launch, rounded to 16
std::mutex attr_mu;
std::map<void*, int> max_dyn;

void die(const char* m) {
    std::fprintf(stderr, "EMU FATAL: %s (block %u,%u,%u thread %d)\n", m, blockIdx.x, blockIdx.y, blockIdx.z, B.cur);
    std::fflush(stderr);
    std::abort();
}
void yield() { emu_swap(&B.sp[B.cur], B.sched_sp); }

void maybe_release(Barrier& b) {
    if (b.arrive > 0 && b.arrive == b.live) b.arrive = 0, ++b.gen, B.progress = true;
}
Barrier& own_block() { return B.blocks[B.cur / B.n]; }
void maybe_release_warp(Warp& w) {
    if (w.arrive > 0 && w.arrive == w.live) w.arrive = 0, ++w.gen, B.progress = true;
}

void fiber_main(void*) {
    (*B.body)();
    B.done[B.cur] = 1;
    --B.live;
    --own_block().live;
    --B.cluster.live;
    Warp& w = B.warps[B.cur / 32];
    --w.live;
    B.progress = true;
    maybe_release(own_block());
    maybe_release(B.cluster);
    maybe_release_warp(w);
    emu_swap(&B.sp[B.cur], B.sched_sp);
    die("finished fiber resumed");
}

void set_tid(int fiber) {
    const int i = fiber % B.n;
    threadIdx.x = i % blockDim.x;
    threadIdx.y = (i / blockDim.x) % blockDim.y;
    threadIdx.z = i / (blockDim.x * blockDim.y);
    blockIdx = B.block_idx[fiber / B.n];
}

// Runs the blocks B.block_idx (one, or a cluster's) of n threads each, all their fibers together.
void run_blocks(int per_block) {
    const int blocks = int(B.block_idx.size()), n = per_block * blocks;
    if (blocks > 1 && per_block % 32 != 0) die("a cluster of blocks that are not whole warps (not emulated)");
    if (size_t(n) > kMaxFibers) die("more fibers than a cluster of 16 blocks of 1024 threads");
    if (size_t(n) > n_stacks) {  // as many as the largest launch so far (each guard page is a mapping of its own)
        const size_t per = kStack + kPage;
        if (stacks) munmap(stacks, per * n_stacks);
        stacks = static_cast<char*>(mmap(nullptr, per * n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
        if (stacks == MAP_FAILED) die("mmap stacks");
        for (int i = 0; i < n; ++i)  // guard below each stack
            if (mprotect(stacks + i * per, kPage, PROT_NONE) != 0) die("mprotect of a stack guard page");
        n_stacks = size_t(n);
    }
    B.n = per_block, B.live = n, B.cur = -1;
    B.blocks.assign(blocks, Barrier{per_block, 0, 0});
    B.cluster = Barrier{n, 0, 0};
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

namespace {
void wait_at(Barrier& b) {
    ++b.arrive;
    B.progress = true;
    const unsigned g = b.gen;
    maybe_release(b);
    while (b.gen == g) yield();
}
}  // namespace
void block_barrier() { wait_at(own_block()); }
void cluster_barrier() { wait_at(B.cluster); }
unsigned cluster_block_rank() { return unsigned(B.cur / B.n); }
void* cluster_map(const void* p, unsigned rank) {
    const char* own = B.smem[B.cur / B.n];
    const auto* c = static_cast<const char*>(p);
    if (c < own || c >= own + smem_bytes) die("map_shared_rank of an address outside the block's dynamic shared memory");
    if (rank >= B.smem.size()) die("map_shared_rank to a rank outside the cluster");
    return B.smem[rank] + (c - own);
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
void* dyn_smem() { return B.smem[B.cur / B.n]; }
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
void run_grid(const char*, dim3 grid, dim3 block, size_t smem, unsigned cluster_x, void*, const std::function<void()>& body) {
    if (cluster_x == 0 || cluster_x > kMaxCluster || grid.x % cluster_x != 0) die("bad cluster size for the grid");
    if (!smem_base) {
        smem_base = static_cast<char*>(mmap(nullptr, kMaxCluster * (kSmemMax + kPage), PROT_READ | PROT_WRITE,
                                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        for (size_t r = 0; r < kMaxCluster; ++r)  // a guard page right after each block's dynamic buffer
            mprotect(smem_base + r * (kSmemMax + kPage) + kSmemMax, kPage, PROT_NONE);
    }
    smem_bytes = (smem + 15) / 16 * 16;
    B.smem.assign(cluster_x, nullptr);
    for (unsigned r = 0; r < cluster_x; ++r) B.smem[r] = smem_base + r * (kSmemMax + kPage) + kSmemMax - smem_bytes;
    gridDim = grid, blockDim = block;
    const int n = int(block.x * block.y * block.z);
    // Clusters (or blocks) in a shuffled order (fixed seed per launch shape): no block may rely on another's order.
    const uint64_t clusters_x = grid.x / cluster_x;
    std::vector<uint64_t> order(clusters_x * grid.y * grid.z);
    std::iota(order.begin(), order.end(), 0);
    static thread_local std::mt19937_64 rng(12345);
    std::shuffle(order.begin(), order.end(), rng);
    B.body = &body;
    for (uint64_t id : order) {
        B.block_idx.clear();
        for (unsigned r = 0; r < cluster_x; ++r)
            B.block_idx.push_back({unsigned(id % clusters_x * cluster_x + r), unsigned(id / clusters_x % grid.y),
                                   unsigned(id / (clusters_x * grid.y))});
        for (char* m : B.smem) std::memset(m, 0xff, smem_bytes);  // stale shared memory reads as NaN
        run_blocks(n);
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
