// RoPE on adjacent pairs (llama.cpp's LLM_ARCH_LLAMA), the table of its angles at one position that
// decode attention reads, and the KV-cache store; positions read from device memory so a captured
// decode step stays valid as the position advances.
#include <cuda_fp16.h>

#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"
#include "cuda/ops.h"
#include "cuda/rope_angle.cuh"

namespace sl::cuda {
namespace {

constexpr int kThreads = 256;

// One thread per (token, head, pair) of q, then of k (rope_angle.cuh).
__global__ void rope_kernel(float* __restrict__ q, int64_t q_width, float* __restrict__ k, int64_t k_width,
                            int64_t n_tok, RopeArgs a, const int32_t* __restrict__ pos) {
    pdl_wait();
    pdl_launch_dependents();
    const int64_t pairs_per_head = a.n_rot / 2;
    const int64_t q_total = n_tok * (q_width / a.head_dim) * pairs_per_head;
    int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    float* x = q;
    int64_t width = q_width;
    if (idx >= q_total) {
        idx -= q_total;
        x = k;
        width = k_width;
        if (idx >= n_tok * (k_width / a.head_dim) * pairs_per_head) return;
    }
    const int64_t n_head = width / a.head_dim;
    const int64_t i = idx % pairs_per_head;
    const int64_t h = (idx / pairs_per_head) % n_head;
    const int64_t t = idx / (pairs_per_head * n_head);
    float* pair = x + t * width + h * a.head_dim + 2 * i;
    const float2 r = rotate(pair[0], pair[1], rope_angle(a, pos[t], i));
    pair[0] = r.x;
    pair[1] = r.y;
}

// One thread per pair. The wait: the previous step's attention may still be reading cs.
__global__ void rope_angles_kernel(RopeArgs a, const int32_t* __restrict__ pos, float2* __restrict__ cs) {
    pdl_wait();
    pdl_launch_dependents();
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < a.n_rot / 2) cs[i] = rope_angle(a, *pos, i);
}

__global__ void store_kv_kernel(const float* __restrict__ k, const float* __restrict__ v, int64_t n_tok,
                                int64_t kv_width, const int32_t* __restrict__ pos, __half* __restrict__ k_cache,
                                __half* __restrict__ v_cache) {
    pdl_wait();
    pdl_launch_dependents();
    const int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (idx >= n_tok * kv_width) return;
    const int64_t t = idx / kv_width, d = idx % kv_width;
    const int64_t at = static_cast<int64_t>(pos[t]) * kv_width + d;
    k_cache[at] = __float2half_rn(k[idx]);
    v_cache[at] = __float2half_rn(v[idx]);
}

unsigned blocks_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

void rope(float* q, int64_t q_width, float* k, int64_t k_width, int64_t n_tok, const RopeArgs& args,
          const int32_t* pos, cudaStream_t stream) {
    const int64_t total = n_tok * ((q_width + k_width) / args.head_dim) * (args.n_rot / 2);
    if (total == 0) return;
    launch_overlapped("rope", rope_kernel, blocks_for(total), kThreads, 0, stream, q, q_width, k, k_width, n_tok, args,
                      pos);
}

void rope_angles(const RopeArgs& args, const int32_t* pos, float* cs, cudaStream_t stream) {
    if (args.n_rot <= 0) return;
    launch_overlapped("rope_angles", rope_angles_kernel, blocks_for(args.n_rot / 2), kThreads, 0, stream, args, pos,
                      reinterpret_cast<float2*>(cs));
}

void store_kv(const float* k, const float* v, int64_t n_tok, int64_t kv_width, const int32_t* pos, uint16_t* k_cache,
              uint16_t* v_cache, cudaStream_t stream) {
    if (n_tok == 0) return;
    launch_overlapped("store_kv", store_kv_kernel, blocks_for(n_tok * kv_width), kThreads, 0, stream, k, v, n_tok,
                      kv_width, pos, reinterpret_cast<__half*>(k_cache), reinterpret_cast<__half*>(v_cache));
}

}  // namespace sl::cuda
