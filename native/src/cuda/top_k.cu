// Device top-k of the logits, so the host reads k candidates instead of n_vocab floats.
//
// Two phases over segments of 4096 logits. k == 1: each block reduces its segment to (max, lowest
// id), then one block reduces the per-segment winners. k > 1: each block sorts its segment with
// CUB's block radix sort (descending, stable: items enter in id order, so equal logits keep the lower
// id first) and keeps its top k; then one block merges the candidates 4096 at a time, carrying the
// running top k at the front of each tile. Candidates stay in id order for equal values throughout
// (segments in order, each list id-ascending among ties), so stability gives the tie rule.
#include <cub/block/block_radix_sort.cuh>

#include <cfloat>
#include <climits>
#include <cstdint>

#include "core/status.h"
#include "cuda/cuda_check.h"
#include "cuda/ops.h"

namespace sl::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kItems = 16;
constexpr int kSegment = kThreads * kItems;  // logits per phase-1 block, items per merge tile

int64_t n_segments(int64_t n) { return (n + kSegment - 1) / kSegment; }

// ---- k == 1 ----------------------------------------------------------------------------------------

__device__ __forceinline__ bool better(float v, int id, float bv, int bid) { return v > bv || (v == bv && id < bid); }

// Block-wide (max, lowest id) over the threads' (v, id); the result is valid in thread 0.
__device__ void block_argmax(float& v, int& id) {
    __shared__ float sv[kThreads / 32];
    __shared__ int si[kThreads / 32];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, v, o);
        const int oi = __shfl_xor_sync(0xffffffffu, id, o);
        if (better(ov, oi, v, id)) v = ov, id = oi;
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) sv[warp] = v, si[warp] = id;
    __syncthreads();
    if (threadIdx.x == 0)
        for (int w = 1; w < kThreads / 32; ++w)
            if (better(sv[w], si[w], v, id)) v = sv[w], id = si[w];
}

// Candidates with id INT_MAX and -inf lose to any real logit, -inf included.
__global__ void __launch_bounds__(kThreads)
    argmax_segments_kernel(const float* __restrict__ logits, int64_t n, float* __restrict__ ws_val,
                           int32_t* __restrict__ ws_id) {
    const int64_t base = int64_t{blockIdx.x} * kSegment;
    float v = -INFINITY;
    int id = INT_MAX;
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
        const int64_t i = base + j * kThreads + threadIdx.x;  // coalesced; ids rise with j
        if (i < n) {
            const float x = logits[i];
            if (better(x, static_cast<int>(i), v, id)) v = x, id = static_cast<int>(i);
        }
    }
    block_argmax(v, id);
    if (threadIdx.x == 0) ws_val[blockIdx.x] = v, ws_id[blockIdx.x] = id;
}

__global__ void __launch_bounds__(kThreads)
    argmax_final_kernel(const float* __restrict__ ws_val, const int32_t* __restrict__ ws_id, int n_seg,
                        int32_t* __restrict__ ids, float* __restrict__ values) {
    float v = -INFINITY;
    int id = INT_MAX;
    for (int i = threadIdx.x; i < n_seg; i += kThreads)
        if (better(ws_val[i], ws_id[i], v, id)) v = ws_val[i], id = ws_id[i];
    block_argmax(v, id);
    if (threadIdx.x == 0) ids[0] = id, values[0] = v;
}

// ---- k > 1 -----------------------------------------------------------------------------------------

using BlockSort = cub::BlockRadixSort<float, kThreads, kItems, int32_t>;

// Thread t holds items [t * kItems, (t + 1) * kItems) of its segment (blocked, so ranks follow ids).
__global__ void __launch_bounds__(kThreads)
    top_k_segments_kernel(const float* __restrict__ logits, int64_t n, int k, float* __restrict__ ws_val,
                          int32_t* __restrict__ ws_id) {
    __shared__ typename BlockSort::TempStorage temp;
    const int64_t base = int64_t{blockIdx.x} * kSegment;
    float keys[kItems];
    int32_t ids[kItems];
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
        const int64_t i = base + threadIdx.x * kItems + j;
        keys[j] = i < n ? logits[i] : -INFINITY;
        ids[j] = i < n ? static_cast<int32_t>(i) : INT_MAX;
    }
    BlockSort(temp).SortDescending(keys, ids);
    const int64_t out = int64_t{blockIdx.x} * k;
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
        const int rank = threadIdx.x * kItems + j;
        if (rank < k) ws_val[out + rank] = keys[j], ws_id[out + rank] = ids[j];
    }
}

__global__ void __launch_bounds__(kThreads)
    top_k_merge_kernel(const float* __restrict__ ws_val, const int32_t* __restrict__ ws_id, int64_t n_cand, int k,
                       int32_t* __restrict__ out_ids, float* __restrict__ out_values) {
    __shared__ typename BlockSort::TempStorage temp;
    __shared__ float run_val[kMaxTopK];
    __shared__ int32_t run_id[kMaxTopK];
    float keys[kItems];
    int32_t ids[kItems];
    int64_t next = 0;  // first candidate not yet in a tile
    for (bool first = true;; first = false) {
        const int carried = first ? 0 : k;
#pragma unroll
        for (int j = 0; j < kItems; ++j) {
            const int slot = threadIdx.x * kItems + j;
            const int64_t c = next + slot - carried;
            if (slot < carried) {
                keys[j] = run_val[slot], ids[j] = run_id[slot];
            } else if (c < n_cand) {
                keys[j] = ws_val[c], ids[j] = ws_id[c];
            } else {
                keys[j] = -INFINITY, ids[j] = INT_MAX;
            }
        }
        next += kSegment - carried;
        BlockSort(temp).SortDescending(keys, ids);
        __syncthreads();  // every thread has read run_* before it is overwritten
        const bool last = next >= n_cand;
#pragma unroll
        for (int j = 0; j < kItems; ++j) {
            const int rank = threadIdx.x * kItems + j;
            if (rank >= k) continue;
            if (last) {
                out_values[rank] = keys[j], out_ids[rank] = ids[j];
            } else {
                run_val[rank] = keys[j], run_id[rank] = ids[j];
            }
        }
        if (last) return;
        __syncthreads();
    }
}

}  // namespace

size_t top_k_workspace_bytes(int64_t n, int k) {
    return static_cast<size_t>(n_segments(n)) * static_cast<size_t>(k) * (sizeof(float) + sizeof(int32_t));
}

void top_k(const float* logits, int64_t n, int k, int32_t* ids, float* values, void* workspace, cudaStream_t stream) {
    if (k < 1 || k > kMaxTopK || k > n || n > INT32_MAX)
        raise(SL_ERR_INVALID_ARGUMENT, "top_k: k %d of n %lld (1 <= k <= min(n, %d))", k, static_cast<long long>(n),
              kMaxTopK);
    const int64_t segs = n_segments(n);
    float* ws_val = static_cast<float*>(workspace);
    int32_t* ws_id = reinterpret_cast<int32_t*>(ws_val + segs * k);
    if (k == 1) {
        argmax_segments_kernel<<<static_cast<unsigned>(segs), kThreads, 0, stream>>>(logits, n, ws_val, ws_id);
        check_launch("argmax_segments");
        argmax_final_kernel<<<1, kThreads, 0, stream>>>(ws_val, ws_id, static_cast<int>(segs), ids, values);
        check_launch("argmax_final");
        return;
    }
    top_k_segments_kernel<<<static_cast<unsigned>(segs), kThreads, 0, stream>>>(logits, n, k, ws_val, ws_id);
    check_launch("top_k_segments");
    top_k_merge_kernel<<<1, kThreads, 0, stream>>>(ws_val, ws_id, segs * k, k, ids, values);
    check_launch("top_k_merge");
}

}  // namespace sl::cuda
