// Decode attention (flash-decoding): one query token over positions [0, *pos] of the F16 cache.
//
// Pass 1, grid (chunk of 16, 32 or 64 positions, KV head, group of query heads): a block copies its
// chunk's K and V rows into shared memory with cp.async (all 32 KB in flight at once for head_dim 128
// and 64 positions, issued before the kernel waits for the one before it, launch.cuh), then 16, 8 or 4
// threads score each position against every query head of the group (so the heads of one KV head
// share each K/V load), the block takes the chunk's softmax max and sum, and each thread accumulates
// P.V for a pair of dims of every head over some of the chunk's positions. It writes the unnormalised
// output and (max, sum) per head to the workspace. The block holding position *pos takes this
// token's K and V rows from the float projections instead, and writes them to the cache (no store
// launch of its own). Pass 2 rescales the chunks by exp2(max_c - max) and normalises, optionally
// also writing the output as Q8_1; its slices of threads split the chunks between them.
// Both grids depend on max_ctx only; blocks past *pos exit at once, so the launch replays in a CUDA
// graph as *pos advances. Scores are kept in the log2 domain (q is prescaled by scale * log2(e)).
// Short contexts (max_ctx <= kClusterBlocks * 64) on Hopper take one launch instead: a cluster of
// kClusterBlocks blocks per (KV head, group of query heads) splits the positions evenly, each block
// keeps its partials in shared memory, and after a cluster barrier every block combines a share of
// them (one Q8_1 block of outputs a warp) read from its peers' shared memory: no pass 2, no round
// trip through global memory between the passes.
#include <cooperative_groups.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "core/status.h"
#include "cuda/cp_async.cuh"
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"
#include "cuda/ops.h"
#include "cuda/q8_1.cuh"
#include "cuda/rope_angle.cuh"

namespace sl::cuda {
namespace {

// Positions per block of the two passes, by max_ctx (the grid's size): 64 beyond 2048 positions; 32 up
// to that, and 16 up to 1024 where head_dim is 128 (a thread's one 16-byte piece of each K row; on
// Hopper the one launch below takes those contexts instead). At short contexts 64
// leave most SMs idle (run 18: 72 blocks for 132 SMs, each working alone through its chain of
// shared-memory reads at a third of the issue slots): 8B Q4_K_M at 641 positions 472.7 tok/s with 64,
// 477.6 with 32, 480.5 with 16; after 8192 tokens 375.1 with 64, 342.4 with 32. Run 7: 128-position
// chunks gave 40 blocks at 513 positions. SLUICE_CUDA_ATTN_CHUNK=16|32|64 fixes it, for A/B runs.
constexpr int kShortContext = 2048, kShorterContext = 1024;
// kThreads / CHUNK threads score a position, each a slice of head_dim; in P.V each thread owns a pair of
// dims of every head over some of the positions. Run 11: with one thread a position (two warps a
// block, ~2700 dependent instructions a thread) pass 1 took 8 us alone at 641 positions.
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxGroup = 8;              // query heads per block (register arrays are sized by it)
constexpr float kLog2e = 1.4426950408889634f;
// The one-launch form: blocks a cluster (16, beyond the portable 8: Hopper allows it), each up to 64
// positions, and at most two query heads a block: run 21, 8B (group 4) at 641 positions, tg128 against
// the two passes Q4_K_M +0.8% with four heads a block, +2.1% with two, +0.5% with one; Q8_0 +1.3%,
// +3.8%, +1.4%. SLUICE_CUDA_ATTN_CLUSTER=0 keeps the two passes at every context, for A/B runs.
constexpr int kClusterBlocks = 16, kClusterChunk = 64, kClusterMaxGroup = 2;
bool cluster_form_enabled() {
    static const bool enabled = [] {
        const char* v = std::getenv("SLUICE_CUDA_ATTN_CLUSTER");
        return !v || std::atoi(v) != 0;
    }();
    return enabled;
}

// SLUICE_CUDA_ATTN_CHUNK's value (0 when not set), which also keeps the two passes at short contexts.
int forced_chunk() {
    static const int forced = [] {
        const char* v = std::getenv("SLUICE_CUDA_ATTN_CHUNK");
        return v ? std::atoi(v) : 0;
    }();
    return forced;
}
int chunk_positions(int32_t max_ctx, int head_dim) {
    const int forced = forced_chunk();
    if (forced == 32 || forced == 64 || (forced == 16 && head_dim == 128)) return forced;  // 16: a piece a thread
    if (max_ctx <= kShorterContext && head_dim == 128) return 16;
    return max_ctx <= kShortContext ? 32 : 64;
}
int n_chunks(int32_t max_ctx, int head_dim) {
    const int chunk = chunk_positions(max_ctx, head_dim);
    return (max_ctx + chunk - 1) / chunk;
}

template <int D, int G, int CHUNK>
struct Smem {
    // Halves per K row: rows 16 banks apart, so the 16-byte reads of two positions' quads (eight threads,
    // four 16-byte pieces of each row, at 64-position chunks) meet every bank once.
    static constexpr int kStride = D + 32;
    // Halves per V row: the P.V readers of one warp (D / 2 / kPvGroups dim pairs of each of kPvGroups
    // rows) meet every bank once: rows 32 / kPvGroups banks apart.
    static constexpr int kVStride = D + D / 8;
    static constexpr int kOffV = CHUNK * kStride * 2;
    static constexpr int kOffQ = kOffV + CHUNK * kVStride * 2;
    static constexpr int kOffP = kOffQ + G * D * 4;
    static constexpr int kOffRed = kOffP + G * CHUNK * 4;
    static constexpr int kOffCs = kOffRed + 2 * kWarps * G * 4;  // the rotation of each pair (float2)
    static constexpr int kBytes = kOffCs + D / 2 * 8;
    // The cluster form's partials, over the K rows once scoring is done: [G][D] outputs, then [G] (max, sum).
    static constexpr int kOffMl = G * D * 4;
    static_assert(kOffMl + G * 8 <= kOffV);
};

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float2 h2f(uint32_t bits) {
    __half2 h;
    memcpy(&h, &bits, 4);
    return __half22float2(h);
}

// Eight of this token's projected values (floats, pairs pair0.. of their head) as fp16: into the
// block's shared rows, and into the cache row when `to_cache` (one z-block of each KV head writes
// it). cs: the rotation of each pair below n_pairs, or null (V).
__device__ __forceinline__ void store_new_row(float4 a, float4 b, __half* smem, __half* cache, bool to_cache,
                                              const float2* cs, int pair0, int n_pairs) {
    float2 p[4] = {{a.x, a.y}, {a.z, a.w}, {b.x, b.y}, {b.z, b.w}};
#pragma unroll
    for (int i = 0; i < 4; ++i)
        if (cs && pair0 + i < n_pairs) p[i] = rotate(p[i].x, p[i].y, cs[pair0 + i]);
    const __half2 h[4] = {__float22half2_rn(p[0]), __float22half2_rn(p[1]), __float22half2_rn(p[2]),
                          __float22half2_rn(p[3])};
    uint4 bits;
    memcpy(&bits, h, sizeof bits);
    *reinterpret_cast<uint4*>(smem) = bits;
    if (to_cache) *reinterpret_cast<uint4*>(cache) = bits;
}

// The softmax's running (max, sum) of two parts combined (log2 domain).
struct MaxSum {
    float m, l;
};
__device__ __forceinline__ MaxSum merge(MaxSum a, MaxSum b) {
    const float m = fmaxf(a.m, b.m);
    if (m == -INFINITY) return {m, 0.0f};  // both empty: no -inf - -inf
    return {m, fmaf(a.l, exp2f(a.m - m), b.l * exp2f(b.m - m))};
}

// The cluster form's last step: the partials that every block of the cluster left at S::kOffMl (its
// heads' outputs over its positions, and their (max, sum)) combined for this block's share of the
// outputs, a Q8_1 block of 32 dims a warp (unit u = rank + kClusterBlocks * warp of the G * D / 32),
// read from the peers' shared memory; then a cluster barrier, so no block leaves while its peers
// still read it.
template <int D, int G, int CHUNK>
__device__ __forceinline__ void combine_cluster(char* smem, int h0, int warp, int lane, float* __restrict__ out,
                                                uint8_t* __restrict__ out_q8_1) {
    using S = Smem<D, G, CHUNK>;
    namespace cg = cooperative_groups;
    cg::cluster_group cluster = cg::this_cluster();
    cluster.sync();  // every block's partials are in its shared memory
    constexpr int kUnits = G * D / 32;
    static_assert(kUnits <= kClusterBlocks * kWarps, "a warp per Q8_1 block of outputs");
    const int u = int(cluster.block_rank()) + kClusterBlocks * warp;
    if (u < kUnits) {
        const int g = u / (D / 32), dim = u % (D / 32) * 32 + lane;
        float o_c[kClusterBlocks];
        MaxSum ml_c[kClusterBlocks];
#pragma unroll
        for (int r = 0; r < kClusterBlocks; ++r) {  // every load out at once: one round trip
            const auto* peer = cluster.map_shared_rank(reinterpret_cast<const float*>(smem), r);
            o_c[r] = peer[g * D + dim];
            ml_c[r] = {peer[S::kOffMl / 4 + 2 * g], peer[S::kOffMl / 4 + 2 * g + 1]};
        }
        float m = ml_c[0].m;  // finite: block 0 holds position 0
#pragma unroll
        for (int r = 1; r < kClusterBlocks; ++r) m = fmaxf(m, ml_c[r].m);
        float l = 0.0f, o = 0.0f;
#pragma unroll
        for (int r = 0; r < kClusterBlocks; ++r) {
            const float w = exp2f(ml_c[r].m - m);  // 0 for a block without positions (-inf)
            l = fmaf(ml_c[r].l, w, l);
            o = fmaf(o_c[r], w, o);
        }
        const int64_t at = int64_t{h0 + g} * D + dim;
        out[at] = o / l;
        if (out_q8_1) warp_store_q8_1(o / l, lane, out_q8_1 + at / kQ8_1BlockElems * kQ8_1BlockBytes);
    }
    cluster.sync();
}

// part_o: [chunk][head][D] unnormalised outputs; part_ml: [chunk][head][2] (max, sum), log2 domain.
// CLUSTER: the one-launch form (grid.x = kClusterBlocks, one cluster; block b takes the b-th of
// kClusterBlocks even spans of [0, *pos], at most CHUNK positions each, and may have none), which
// writes out (and out_q8_1) instead of the partials.
template <int D, int G, int CHUNK, bool CLUSTER>
__global__ void __launch_bounds__(kThreads)
    decode_chunk_kernel(AttentionArgs a, const float* __restrict__ q, const int32_t* __restrict__ pos, int32_t max_ctx,
                        int group, const float* __restrict__ k_new, const float* __restrict__ v_new, int n_rot,
                        const float2* __restrict__ rope_cs, float* __restrict__ part_o, float* __restrict__ part_ml,
                        float* __restrict__ out, uint8_t* __restrict__ out_q8_1) {
    using S = Smem<D, G, CHUNK>;
    constexpr int kQuad = kThreads / CHUNK;  // threads a position while scoring
    static_assert(D / 8 % kQuad == 0, "each scoring thread takes whole 16-byte pieces of a K row");
    // *pos and, when this launch stores the new row itself, the cache rows before it are no output of
    // the kernels just before this one (the position is copied in before the step; earlier rows were
    // stored by earlier steps), so their copies go out before the wait below: their DRAM latency
    // overlaps the tail of the Q/K/V matvec.
    const int n_pos = min(*pos + 1, max_ctx);
    int p0, n;
    if constexpr (CLUSTER) {  // every block stays for the cluster barriers, with or without positions
        const int span = (n_pos + kClusterBlocks - 1) / kClusterBlocks;  // <= CHUNK: max_ctx was checked
        p0 = blockIdx.x * span;
        n = max(0, min(span, n_pos - p0));
    } else {
        p0 = blockIdx.x * CHUNK;
        if (p0 >= n_pos) return;
        n = min(CHUNK, n_pos - p0);
    }
    const int kvh = blockIdx.y;
    const int h0 = kvh * group + blockIdx.z * G;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;

    extern __shared__ uint4 smem_raw[];
    char* smem = reinterpret_cast<char*>(smem_raw);
    __half* k_s = reinterpret_cast<__half*>(smem);
    __half* v_s = reinterpret_cast<__half*>(smem + S::kOffV);
    float* q_s = reinterpret_cast<float*>(smem + S::kOffQ);
    float* p_s = reinterpret_cast<float*>(smem + S::kOffP);
    float* red_m = reinterpret_cast<float*>(smem + S::kOffRed);
    float* red_l = red_m + kWarps * G;

    // K then V as two copy groups: scoring starts once K is in while V is still arriving. This
    // token's row (when in this chunk) comes from the float projections below instead: its copy is a
    // zero fill, which the thread that issued it overwrites once its group has landed.
    constexpr int kRowChunks = D / 8;
    // A block without positions copies only zero fills, from row 0 (a valid address).
    const int64_t row0 = n > 0 ? p0 : 0;
    __half* k_g = reinterpret_cast<__half*>(a.k_cache) + row0 * a.kv_width + kvh * D;
    __half* v_g = reinterpret_cast<__half*>(a.v_cache) + row0 * a.kv_width + kvh * D;
    const int new_row = k_new && n_pos - 1 - p0 < n ? n_pos - 1 - p0 : -1;
    // Each thread copies the same 16-byte piece c of rows copy_row + i * kRowsAStep: a trip count known
    // at compile time, and addresses that step by a stride fixed for the loop (no per-copy division,
    // 64-bit product or branch).
    constexpr int kCopies = CHUNK * kRowChunks, kRowsAStep = kThreads / kRowChunks;
    static_assert(kThreads % kRowChunks == 0 && kCopies % kThreads == 0);
    const int copy_row = tid / kRowChunks, copy_c = tid % kRowChunks;
    // Offsets in halves from the chunk's first row: 32 bits, as attention_decode checks kv_width.
    const int kv_width = int(a.kv_width), copy_offset = copy_row * kv_width + copy_c * 8;
    const auto issue_copies = [&] {
        const auto copy_rows = [&](__half* dst, int stride, const __half* src) {
            dst += copy_row * stride + copy_c * 8;
#pragma unroll
            for (int i = 0; i < kCopies / kThreads; ++i) {
                const int row = copy_row + i * kRowsAStep;
                // Rows past *pos become zeros (a stale NaN must not meet p = 0), and so does the new row;
                // their source is the chunk's first row, a valid address.
                const bool ok = row < n && row != new_row;
                cp_async16(dst + i * kRowsAStep * stride, src + (ok ? copy_offset + i * kRowsAStep * kv_width : 0),
                           ok ? 16 : 0);
            }
            cp_async_commit();
        };
        copy_rows(k_s, S::kStride, k_g);
        copy_rows(v_s, S::kVStride, v_g);
    };
    if (k_new) issue_copies();  // otherwise the row at *pos may be the kernel before's output

    // After the wait: the rotation of each pair at this token's position (rope_angles, computed once a
    // step: in the first layer by the kernel just before), q (and this token's K/V row, in the block
    // that holds it) into registers, then q scaled and rotated into shared memory; the new rows (K
    // rotated) go in as each copy group lands.
    pdl_wait();
    pdl_launch_dependents();
    if (!k_new) issue_copies();
    auto* cs_s = reinterpret_cast<float2*>(smem + S::kOffCs);  // dynamic: a cluster's blocks each have their own
    const int n_pairs = n_rot / 2;
    static_assert(D / 2 <= kThreads);
    if (tid < n_pairs) cs_s[tid] = rope_cs[tid];
    constexpr int kQPairs = (G * D / 2 + kThreads - 1) / kThreads;
    float2 qv[kQPairs];
#pragma unroll
    for (int j = 0; j < kQPairs; ++j) {
        const int e = tid + j * kThreads;  // pair e % (D / 2) of head h0 + e / (D / 2)
        if (e < G * D / 2) qv[j] = *reinterpret_cast<const float2*>(q + int64_t{h0} * D + 2 * e);
    }
    // The new row's piece copy_c is written by the thread whose zero fill it replaces.
    const bool has_new = new_row >= 0 && copy_row == new_row % kRowsAStep;
    float4 kn[2], vn[2];
    if (has_new) {
        const auto* k4 = reinterpret_cast<const float4*>(k_new + kvh * D + copy_c * 8);
        const auto* v4 = reinterpret_cast<const float4*>(v_new + kvh * D + copy_c * 8);
        kn[0] = k4[0], kn[1] = k4[1], vn[0] = v4[0], vn[1] = v4[1];
    }
    const bool to_cache = blockIdx.z == 0;  // one block of each KV head stores the row
    __syncthreads();
    const float q_scale = a.scale * kLog2e;
#pragma unroll
    for (int j = 0; j < kQPairs; ++j) {
        const int e = tid + j * kThreads, i = e % (D / 2);
        if (e >= G * D / 2) break;
        const float2 r = i < n_pairs ? rotate(qv[j].x, qv[j].y, cs_s[i]) : qv[j];
        q_s[2 * e] = r.x * q_scale;
        q_s[2 * e + 1] = r.y * q_scale;
    }
    cp_async_wait<1>();
    if (has_new)
        store_new_row(kn[0], kn[1], k_s + new_row * S::kStride + copy_c * 8, k_g + new_row * a.kv_width + copy_c * 8,
                      to_cache, cs_s, 4 * copy_c, n_pairs);
    __syncthreads();

    // Scores: the kQuad threads kQuad * i.. <-> position p0 + i, thread `part` of them taking the 16-byte
    // pieces part, part + kQuad, ... of the K row against each of the G query heads; they then sum.
    const int row = tid / kQuad, part = tid % kQuad;
    float s[G];
#pragma unroll
    for (int g = 0; g < G; ++g) s[g] = 0.0f;
    const __half* k_row = k_s + row * S::kStride;
#pragma unroll
    for (int j = 0; j < kRowChunks / kQuad; ++j) {
        const int c = part + kQuad * j;
        const uint4 raw = *reinterpret_cast<const uint4*>(k_row + c * 8);
        const float2 k01 = h2f(raw.x), k23 = h2f(raw.y), k45 = h2f(raw.z), k67 = h2f(raw.w);
#pragma unroll
        for (int g = 0; g < G; ++g) {
            const float4 qa = *reinterpret_cast<const float4*>(q_s + g * D + c * 8);
            const float4 qb = *reinterpret_cast<const float4*>(q_s + g * D + c * 8 + 4);
            s[g] += qa.x * k01.x + qa.y * k01.y + qa.z * k23.x + qa.w * k23.y + qb.x * k45.x + qb.y * k45.y +
                    qb.z * k67.x + qb.w * k67.y;
        }
    }
#pragma unroll
    for (int g = 0; g < G; ++g) {
#pragma unroll
        for (int o = 1; o < kQuad; o <<= 1) s[g] += __shfl_xor_sync(0xffffffffu, s[g], o);
    }
    const bool valid = row < n;
#pragma unroll
    for (int g = 0; g < G; ++g) {
        const float m = warp_max(valid ? s[g] : -INFINITY);
        if (lane == 0) red_m[warp * G + g] = m;
    }
    __syncthreads();
#pragma unroll
    for (int g = 0; g < G; ++g) {
        float m = red_m[g];
#pragma unroll
        for (int w = 1; w < kWarps; ++w) m = fmaxf(m, red_m[w * G + g]);
        const float p = valid ? exp2f(s[g] - m) : 0.0f;  // m is finite where any row is valid
        if (part == 0) p_s[row * G + g] = p;
        const float l = warp_sum(part == 0 ? p : 0.0f);
        if (lane == 0) red_l[warp * G + g] = l;
    }
    cp_async_wait<0>();
    if (has_new)
        store_new_row(vn[0], vn[1], v_s + new_row * S::kVStride + copy_c * 8, v_g + new_row * a.kv_width + copy_c * 8,
                      to_cache, nullptr, 0, 0);
    __syncthreads();

    // P.V: the kPvGroups adjacent threads of dim pair d (dims 2d, 2d + 1) take every kPvGroups-th
    // position, each for all G heads (one V read serves them all), and then sum with shuffles; thread
    // tid writes the heads g = tid % kPvGroups (mod kPvGroups).
    constexpr int kPairs = D / 2, kPvGroups = kThreads / kPairs;
    const int d = tid / kPvGroups, pg = tid % kPvGroups;
    float2 o[G];
#pragma unroll
    for (int g = 0; g < G; ++g) o[g] = make_float2(0.0f, 0.0f);
    // Every row of the chunk, whatever n: rows past it hold zeros and p = 0.
#pragma unroll
    for (int r = pg; r < CHUNK; r += kPvGroups) {
        const float2 v = h2f(*reinterpret_cast<const uint32_t*>(v_s + r * S::kVStride + 2 * d));
        float p[G];
        if constexpr (G % 4 == 0) {
#pragma unroll
            for (int g = 0; g < G; g += 4) {
                const float4 p4 = *reinterpret_cast<const float4*>(p_s + r * G + g);
                p[g] = p4.x, p[g + 1] = p4.y, p[g + 2] = p4.z, p[g + 3] = p4.w;
            }
        } else {
#pragma unroll
            for (int g = 0; g < G; ++g) p[g] = p_s[r * G + g];
        }
#pragma unroll
        for (int g = 0; g < G; ++g) {
            o[g].x = fmaf(p[g], v.x, o[g].x);
            o[g].y = fmaf(p[g], v.y, o[g].y);
        }
    }
#pragma unroll
    for (int off = 1; off < kPvGroups; off <<= 1) {
#pragma unroll
        for (int g = 0; g < G; ++g) {
            o[g].x += __shfl_xor_sync(0xffffffffu, o[g].x, off);
            o[g].y += __shfl_xor_sync(0xffffffffu, o[g].y, off);
        }
    }
    // The partials: to the workspace, or (cluster form) over the K rows, which nothing reads now.
    const int64_t part_row = int64_t{blockIdx.x} * a.n_head + h0;
    float* o_dst = CLUSTER ? reinterpret_cast<float*>(smem) : part_o + part_row * D;
    float* ml_dst = CLUSTER ? reinterpret_cast<float*>(smem + S::kOffMl) : part_ml + part_row * 2;
#pragma unroll
    for (int g = 0; g < G; ++g) {
        if (g % kPvGroups == pg) *reinterpret_cast<float2*>(o_dst + g * D + 2 * d) = o[g];
    }
    if (tid < G) {
        float l = 0.0f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) l += red_l[w * G + tid];
        float mg = red_m[tid];
#pragma unroll
        for (int w = 1; w < kWarps; ++w) mg = fmaxf(mg, red_m[w * G + tid]);
        ml_dst[tid * 2] = mg;
        ml_dst[tid * 2 + 1] = l;
    }
    if constexpr (CLUSTER) combine_cluster<D, G, CHUNK>(smem, h0, warp, lane, out, out_q8_1);
}

// The block's threads (whole warps, at most 32 of them) merge their pairs; every thread gets the result,
// whose max is finite when any pair's is. Across warps the max first, then the sum: no chain of
// dependent exp2 over 32 warps.
__device__ __forceinline__ MaxSum block_merge(MaxSum v, MaxSum* scratch) {
    const int tid = threadIdx.y * blockDim.x + threadIdx.x, warps = int(blockDim.x * blockDim.y / 32);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v = merge(v, {__shfl_xor_sync(0xffffffffu, v.m, o), __shfl_xor_sync(0xffffffffu, v.l, o)});
    if (tid % 32 == 0) scratch[tid / 32] = v;
    __syncthreads();
    float m = scratch[0].m;
    for (int w = 1; w < warps; ++w) m = fmaxf(m, scratch[w].m);
    float l = 0.0f;
    for (int w = 0; w < warps; ++w) l = fmaf(scratch[w].l, exp2f(scratch[w].m - m), l);
    return {m, l};
}

// Pass 2's block: head_dim x slices threads, slice y summing chunks y, y + slices, ...: enough slices
// that no thread walks more than kCombineWalk chunks of the longest context (8192 positions: 128
// chunks, 8 slices), one for short ones. Run 11: 8 slices at 8192 positions +6%, at 641 -2%.
constexpr int kCombineSlices = 8;  // at most
constexpr int kCombineWalk = 16;
int combine_slices(int32_t max_ctx, int head_dim) {
    return std::clamp((n_chunks(max_ctx, head_dim) + kCombineWalk - 1) / kCombineWalk, 1, kCombineSlices);
}
constexpr int kMaxHeadDim = 128;

// One block per query head, thread x of each slice on dim x: the first slice's warps each hold 32
// dims, one Q8_1 block. Every load of a thread's first kCombineWalk chunks goes out at once, with its
// share of the chunks' (max, sum) pairs, which the whole block merges; so at a context of up to
// kCombineWalk * slices chunks the kernel waits for one round trip and one barrier (before: three
// and two). A single slice weighs its chunks itself; several (long contexts) take the weights from
// shared memory, one exp2 a chunk rather than one a chunk and thread. Then each slice sums its
// chunks and the first adds the others' sums.
__global__ void decode_combine_kernel(const int32_t* __restrict__ pos, int32_t max_ctx, int chunk, int n_head, int head_dim,
                                      const float* __restrict__ part_o, const float* __restrict__ part_ml,
                                      float* __restrict__ out, uint8_t* __restrict__ out_q8_1) {
    const int n_pos = min(*pos + 1, max_ctx);  // no output of pass 1: read before the wait
    const int chunks = (n_pos + chunk - 1) / chunk;
    const int h = blockIdx.x, d = threadIdx.x, slice = threadIdx.y, slices = int(blockDim.y);
    const int tid = slice * head_dim + d, threads = head_dim * slices;
    constexpr int kHeld = kCombineWalk * kCombineSlices;  // chunks whose outputs the threads hold
    __shared__ MaxSum scratch[32];
    __shared__ float weight_s[kHeld];
    __shared__ float slice_o[kCombineSlices - 1][kMaxHeadDim];
    pdl_wait();
    pdl_launch_dependents();
    const auto part = [&](int c) { return int64_t{c} * n_head + h; };
    float o_c[kCombineWalk], m_c[kCombineWalk];
#pragma unroll
    for (int i = 0; i < kCombineWalk; ++i) {
        const int c = slice + i * slices;
        o_c[i] = c < chunks ? part_o[part(c) * head_dim + d] : 0.0f;
        m_c[i] = c < chunks && slices == 1 ? part_ml[part(c) * 2] : -INFINITY;
    }
    MaxSum own{-INFINITY, 0.0f};
    float m_first = -INFINITY;  // chunk tid's max
    for (int c = tid; c < chunks; c += threads) {
        const MaxSum p{part_ml[part(c) * 2], part_ml[part(c) * 2 + 1]};
        if (c == tid) m_first = p.m;
        own = merge(own, p);
    }
    const MaxSum all = block_merge(own, scratch);  // all.m is finite: chunk 0 always holds position 0
    float o = 0.0f;
    if (slices == 1) {
#pragma unroll
        for (int i = 0; i < kCombineWalk; ++i) o = fmaf(exp2f(m_c[i] - all.m), o_c[i], o);
    } else {
        if (tid < kHeld) weight_s[tid] = exp2f(m_first - all.m);  // 0 past the last chunk
        __syncthreads();
#pragma unroll
        for (int i = 0; i < kCombineWalk; ++i) o = fmaf(weight_s[slice + i * slices], o_c[i], o);
    }
    for (int c = slice + kCombineWalk * slices; c < chunks; c += slices)  // contexts past max_ctx's walk
        o = fmaf(exp2f(part_ml[part(c) * 2] - all.m), part_o[part(c) * head_dim + d], o);
    if (slices > 1) {
        if (slice > 0) slice_o[slice - 1][d] = o;
        __syncthreads();
        if (slice > 0) return;
        for (int i = 0; i < slices - 1; ++i) o += slice_o[i][d];
    }
    const int64_t at = int64_t{h} * head_dim + d;
    out[at] = o / all.l;
    if (out_q8_1) warp_store_q8_1(o / all.l, d % 32, out_q8_1 + at / kQ8_1BlockElems * kQ8_1BlockBytes);
}

// One decode call's arguments, as the launches below pass them on.
struct DecodeCall {
    AttentionArgs a;
    const float* q;
    const int32_t* pos;
    int32_t max_ctx;
    int group;
    const float *k_new, *v_new;
    int n_rot;
    const float2* rope_cs;
    float *part_o, *part_ml, *out;
    uint8_t* out_q8_1;
    cudaStream_t stream;
};

// The kernel's one-time attributes: its shared memory, and (cluster form) clusters beyond the portable 8.
template <int D, int G, int CHUNK, bool CLUSTER>
void configure_chunk_kernel() {
    static const bool configured = [] {
        constexpr auto kernel = decode_chunk_kernel<D, G, CHUNK, CLUSTER>;
        SL_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, Smem<D, G, CHUNK>::kBytes));
        if (CLUSTER) SL_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeNonPortableClusterSizeAllowed, 1));
        return true;
    }();
    (void)configured;
}

template <int D, int G, int CHUNK, bool CLUSTER>
void launch_chunk_grid(const DecodeCall& c) {
    constexpr auto kernel = decode_chunk_kernel<D, G, CHUNK, CLUSTER>;
    constexpr int kBytes = Smem<D, G, CHUNK>::kBytes;
    configure_chunk_kernel<D, G, CHUNK, CLUSTER>();
    const dim3 grid(static_cast<unsigned>(CLUSTER ? kClusterBlocks : n_chunks(c.max_ctx, D)),
                    static_cast<unsigned>(c.a.n_head_kv), static_cast<unsigned>(c.group / G));
    launch_overlapped_in_clusters(CLUSTER ? "attention_decode_cluster" : "attention_decode_chunk", CLUSTER ? kClusterBlocks : 1,
                                  kernel, grid, kThreads, kBytes, c.stream, c.a, c.q, c.pos, c.max_ctx, c.group, c.k_new,
                                  c.v_new, c.n_rot, c.rope_cs, c.part_o, c.part_ml, c.out, c.out_q8_1);
}

// Whether the device runs the cluster form's clusters (the occupancy query says whether 16 blocks of
// its size fit one GPC).
template <int D, int G>
bool cluster_form_runs() {
    static const bool runs = [] {
        constexpr auto kernel = decode_chunk_kernel<D, G, kClusterChunk, true>;
        constexpr int kBytes = Smem<D, G, kClusterChunk>::kBytes;
        configure_chunk_kernel<D, G, kClusterChunk, true>();
        cudaLaunchAttribute cluster = cluster_attribute(kClusterBlocks);
        cudaLaunchConfig_t config{};
        config.gridDim = dim3(kClusterBlocks), config.blockDim = dim3(kThreads), config.dynamicSmemBytes = kBytes;
        config.attrs = &cluster, config.numAttrs = 1;
        int clusters = 0;
        return cudaOccupancyMaxActiveClusters(&clusters, kernel, &config) == cudaSuccess && clusters > 0;
    }();
    return runs;
}

// Whether a call of this max_ctx takes the cluster form: Hopper or later, a short enough grid, and
// neither switch against it.
bool wants_cluster_form(int32_t max_ctx) {
    return cluster_form_enabled() && !forced_chunk() && max_ctx <= kClusterBlocks * kClusterChunk && hopper_or_later();
}

// Returns whether the call went out in the cluster form (then no pass 2 follows).
template <int D, int G>
bool launch_chunks(const DecodeCall& c, bool cluster) {
    if constexpr (G <= kClusterMaxGroup) {
        if (cluster && cluster_form_runs<D, G>()) {
            launch_chunk_grid<D, G, kClusterChunk, true>(c);
            return true;
        }
    }
    const int chunk = chunk_positions(c.max_ctx, D);
    if constexpr (D == 128) {
        if (chunk == 16) return launch_chunk_grid<D, G, 16, false>(c), false;
    }
    if (chunk == 32) launch_chunk_grid<D, G, 32, false>(c);
    else launch_chunk_grid<D, G, 64, false>(c);
    return false;
}

template <int D>
bool launch_chunks_for_group(const DecodeCall& c) {
    // Heads per block: the largest divisor of the group that fits the register arrays (the cluster form's
    // limit, where it runs).
    const bool cluster = wants_cluster_form(c.max_ctx);
    int g = cluster ? kClusterMaxGroup : kMaxGroup;
    while (c.group % g != 0) --g;
    switch (g) {
        case 1: return launch_chunks<D, 1>(c, cluster);
        case 2: return launch_chunks<D, 2>(c, cluster);
        case 3: return launch_chunks<D, 3>(c, cluster);
        case 4: return launch_chunks<D, 4>(c, cluster);
        case 5: return launch_chunks<D, 5>(c, cluster);
        case 6: return launch_chunks<D, 6>(c, cluster);
        case 7: return launch_chunks<D, 7>(c, cluster);
        default: return launch_chunks<D, 8>(c, cluster);
    }
}

}  // namespace

size_t attention_decode_workspace_bytes(int32_t n_head, int32_t head_dim, int32_t max_ctx) {
    return static_cast<size_t>(n_chunks(max_ctx, head_dim)) * static_cast<size_t>(n_head) * (static_cast<size_t>(head_dim) + 2) *
           sizeof(float);
}

void attention_decode(const AttentionArgs& a, const RopeArgs& rope, const float* rope_cs, const float* q,
                      const float* k_new, const float* v_new, const int32_t* pos, int32_t max_ctx, float* out,
                      void* out_q8_1, void* workspace, cudaStream_t stream) {
    if (a.head_dim != 64 && a.head_dim != 128)
        raise(SL_ERR_UNSUPPORTED, "CUDA attention supports head_dim 64 and 128, not %d", a.head_dim);
    if (a.n_head_kv <= 0 || a.n_head % a.n_head_kv != 0 || a.kv_width < int64_t{a.n_head_kv} * a.head_dim ||
        a.kv_width % 8 != 0 || a.kv_width > (1 << 24) || max_ctx <= 0)
        raise(SL_ERR_INVALID_ARGUMENT, "attention_decode: bad shape (heads %d/%d, kv_width %lld, max_ctx %d)", a.n_head,
              a.n_head_kv, static_cast<long long>(a.kv_width), max_ctx);
    if ((reinterpret_cast<uintptr_t>(k_new) | reinterpret_cast<uintptr_t>(v_new)) % 16 != 0 || !k_new != !v_new)
        raise(SL_ERR_INVALID_ARGUMENT, "attention_decode: the new K and V rows must both be given, 16-byte aligned");
    if (rope.n_rot < 0 || rope.n_rot > a.head_dim || rope.n_rot % 2 != 0 || (rope.n_rot > 0 && rope.head_dim != a.head_dim))
        raise(SL_ERR_INVALID_ARGUMENT, "attention_decode: RoPE of %d dims does not fit heads of %d", rope.n_rot, a.head_dim);
    if (rope.n_rot > 0 && (!rope_cs || reinterpret_cast<uintptr_t>(rope_cs) % 8 != 0))
        raise(SL_ERR_INVALID_ARGUMENT, "attention_decode: RoPE needs its angle table (rope_angles), 8-byte aligned");
    if (out_q8_1 && a.head_dim % kQ8_1BlockElems != 0)
        raise(SL_ERR_INVALID_ARGUMENT, "attention_decode: Q8_1 output needs head_dim a multiple of 32");
    const int group = a.n_head / a.n_head_kv;
    float* part_o = static_cast<float*>(workspace);
    float* part_ml = part_o + static_cast<size_t>(n_chunks(max_ctx, a.head_dim)) * a.n_head * a.head_dim;
    auto* q8_1 = static_cast<uint8_t*>(out_q8_1);
    const DecodeCall c{a, q, pos, max_ctx, group, k_new, v_new, rope.n_rot, reinterpret_cast<const float2*>(rope_cs),
                       part_o, part_ml, out, q8_1, stream};
    const bool done = a.head_dim == 64 ? launch_chunks_for_group<64>(c) : launch_chunks_for_group<128>(c);
    if (done) return;
    launch_overlapped("attention_decode_combine", decode_combine_kernel, a.n_head,
                      dim3(a.head_dim, combine_slices(max_ctx, a.head_dim)), 0, stream, pos, max_ctx,
                      chunk_positions(max_ctx, a.head_dim), a.n_head, a.head_dim, part_o, part_ml, out, q8_1);
}

}  // namespace sl::cuda
