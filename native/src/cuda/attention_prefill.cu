// Prefill attention: causal flash attention for n_tok queries at positions pos0.. over the F16 cache
// (their own K/V already stored), in fp32 SIMT for now (tensor cores are the next step).
//
// Block = 32 consecutive queries of one head, 128 threads: 4 threads per query row. Key tiles of 32
// positions go through shared memory (converted to float); thread `sub` of a row scores keys
// sub, sub+4, ..., keeps the running max and sum of its row (online softmax, log2 domain), and owns
// head_dim/4 output dims interleaved in float4 groups so the row's 4 threads read adjacent V words.
// Tiles stop at the block's last query (causal); the rows of one query sit in one warp, so P only
// needs a warp barrier between being written and read.
#include <cuda_fp16.h>

#include <cstdint>

#include "core/status.h"
#include "cuda/cuda_check.h"
#include "cuda/ops.h"

namespace sl::cuda {
namespace {

constexpr int kRows = 32;      // queries per block
constexpr int kKeys = 32;      // key positions per tile
constexpr int kThreads = kRows * 4;
constexpr int kKeysPerThread = kKeys / 4;
constexpr float kLog2e = 1.4426950408889634f;

template <int D>
struct Layout {
    static constexpr int kStride = D + 4;  // floats per Q/K row: float4-aligned, rows spread over banks
    static constexpr int kQ = 0;
    static constexpr int kK = kQ + kRows * kStride;
    static constexpr int kV = kK + kKeys * kStride;
    static constexpr int kP = kV + kKeys * D;
    static constexpr int kPStride = kKeys + 1;
    static constexpr int kFloats = kP + kRows * kPStride;
};

template <int D>
__global__ void __launch_bounds__(kThreads)
    prefill_kernel(AttentionArgs a, const float* __restrict__ q, int64_t ldq, int n_tok, int pos0,
                   float* __restrict__ out, int64_t ldo) {
    using L = Layout<D>;
    extern __shared__ float4 smem4[];
    float* smem = reinterpret_cast<float*>(smem4);
    float* q_s = smem + L::kQ;
    float* k_s = smem + L::kK;
    float* v_s = smem + L::kV;
    float* p_s = smem + L::kP;

    const int tid = threadIdx.x, r = tid >> 2, sub = tid & 3;
    const int t0 = blockIdx.x * kRows;
    const int h = blockIdx.y;
    const int kvh = h / (a.n_head / a.n_head_kv);
    const int t = t0 + r;
    const bool row_valid = t < n_tok;
    const int last_t = min(t0 + kRows, n_tok) - 1;
    const int n_keys = pos0 + last_t + 1;  // the block's last query sees [0, pos0 + last_t]
    const int row_keys = pos0 + t + 1;

    const float q_scale = a.scale * kLog2e;
    for (int e = tid; e < kRows * D; e += kThreads) {
        const int row = e / D, d = e % D;
        q_s[row * L::kStride + d] = t0 + row < n_tok ? q[(t0 + row) * ldq + int64_t{h} * D + d] * q_scale : 0.0f;
    }

    constexpr int kDimGroups = D / 16;  // float4 groups of output dims per thread
    float4 o[kDimGroups];
#pragma unroll
    for (int k = 0; k < kDimGroups; ++k) o[k] = make_float4(0.f, 0.f, 0.f, 0.f);
    float m = -INFINITY, l = 0.0f;  // l: this thread's share of the row sum

    const __half* k_g = reinterpret_cast<const __half*>(a.k_cache) + int64_t{kvh} * D;
    const __half* v_g = reinterpret_cast<const __half*>(a.v_cache) + int64_t{kvh} * D;
    for (int j0 = 0; j0 < n_keys; j0 += kKeys) {
        __syncthreads();  // the previous tile is consumed (and q_s is written, first time round)
        constexpr int kRowChunks = D / 8;
        for (int e = tid; e < kKeys * kRowChunks; e += kThreads) {
            const int row = e / kRowChunks, c = e % kRowChunks;
            const int p = j0 + row;
            float kf[8], vf[8];
            if (p < n_keys) {
                const uint4 kr = *reinterpret_cast<const uint4*>(k_g + p * a.kv_width + c * 8);
                const uint4 vr = *reinterpret_cast<const uint4*>(v_g + p * a.kv_width + c * 8);
                const __half* kh = reinterpret_cast<const __half*>(&kr);
                const __half* vh = reinterpret_cast<const __half*>(&vr);
#pragma unroll
                for (int i = 0; i < 8; ++i) kf[i] = __half2float(kh[i]), vf[i] = __half2float(vh[i]);
            } else {
#pragma unroll
                for (int i = 0; i < 8; ++i) kf[i] = 0.0f, vf[i] = 0.0f;
            }
            float* kd = k_s + row * L::kStride + c * 8;
            float* vd = v_s + row * D + c * 8;
            *reinterpret_cast<float4*>(kd) = make_float4(kf[0], kf[1], kf[2], kf[3]);
            *reinterpret_cast<float4*>(kd + 4) = make_float4(kf[4], kf[5], kf[6], kf[7]);
            *reinterpret_cast<float4*>(vd) = make_float4(vf[0], vf[1], vf[2], vf[3]);
            *reinterpret_cast<float4*>(vd + 4) = make_float4(vf[4], vf[5], vf[6], vf[7]);
        }
        __syncthreads();

        // Scores of keys j0 + sub + 4*jj for this row.
        float s[kKeysPerThread];
#pragma unroll
        for (int jj = 0; jj < kKeysPerThread; ++jj) s[jj] = 0.0f;
        const float* q_row = q_s + r * L::kStride;
#pragma unroll 4
        for (int d = 0; d < D; d += 4) {
            const float4 qv = *reinterpret_cast<const float4*>(q_row + d);
#pragma unroll
            for (int jj = 0; jj < kKeysPerThread; ++jj) {
                const float4 kv = *reinterpret_cast<const float4*>(k_s + (sub + 4 * jj) * L::kStride + d);
                s[jj] += qv.x * kv.x + qv.y * kv.y + qv.z * kv.z + qv.w * kv.w;
            }
        }
        float tile_max = -INFINITY;
#pragma unroll
        for (int jj = 0; jj < kKeysPerThread; ++jj) {
            const int key = j0 + sub + 4 * jj;
            if (!row_valid || key >= row_keys) s[jj] = -INFINITY;  // causal mask (and padding rows)
            tile_max = fmaxf(tile_max, s[jj]);
        }
        tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
        tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 2));
        const float m_new = fmaxf(m, tile_max);
        // A row with nothing unmasked yet (only padding rows: key 0 is in every real row's first
        // tile) keeps m = -inf; guard the -inf - -inf.
        const float alpha = m_new == -INFINITY ? 1.0f : exp2f(m - m_new);
        m = m_new;
        float* p_row = p_s + r * L::kPStride;
        l *= alpha;
#pragma unroll
        for (int jj = 0; jj < kKeysPerThread; ++jj) {
            const float p = s[jj] == -INFINITY ? 0.0f : exp2f(s[jj] - m);
            l += p;
            p_row[sub + 4 * jj] = p;
        }
#pragma unroll
        for (int k = 0; k < kDimGroups; ++k) o[k].x *= alpha, o[k].y *= alpha, o[k].z *= alpha, o[k].w *= alpha;
        __syncwarp();

        const int tile_keys = min(kKeys, n_keys - j0);
        for (int j = 0; j < tile_keys; ++j) {
            const float p = p_row[j];
            const float* v_row = v_s + j * D + sub * 4;
#pragma unroll
            for (int k = 0; k < kDimGroups; ++k) {
                const float4 vv = *reinterpret_cast<const float4*>(v_row + k * 16);
                o[k].x = fmaf(p, vv.x, o[k].x), o[k].y = fmaf(p, vv.y, o[k].y);
                o[k].z = fmaf(p, vv.z, o[k].z), o[k].w = fmaf(p, vv.w, o[k].w);
            }
        }
    }

    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    if (!row_valid) return;
    const float inv = 1.0f / l;
    float* out_row = out + t * ldo + int64_t{h} * D + sub * 4;
#pragma unroll
    for (int k = 0; k < kDimGroups; ++k)
        *reinterpret_cast<float4*>(out_row + k * 16) = make_float4(o[k].x * inv, o[k].y * inv, o[k].z * inv, o[k].w * inv);
}

template <int D>
void launch(const AttentionArgs& a, const float* q, int64_t ldq, int64_t n_tok, int32_t pos0, float* out, int64_t ldo,
            cudaStream_t stream) {
    constexpr int kBytes = Layout<D>::kFloats * 4;
    static const bool configured = [] {
        SL_CUDA(cudaFuncSetAttribute(prefill_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize, kBytes));
        return true;
    }();
    (void)configured;
    const dim3 grid(static_cast<unsigned>((n_tok + kRows - 1) / kRows), static_cast<unsigned>(a.n_head));
    prefill_kernel<D><<<grid, kThreads, kBytes, stream>>>(a, q, ldq, static_cast<int>(n_tok), pos0, out, ldo);
    check_launch("attention_prefill");
}

}  // namespace

void attention_prefill(const AttentionArgs& a, const float* q, int64_t ldq, int64_t n_tok, int32_t pos0, float* out,
                       int64_t ldo, cudaStream_t stream) {
    if (a.head_dim != 64 && a.head_dim != 128)
        raise(SL_ERR_UNSUPPORTED, "CUDA attention supports head_dim 64 and 128, not %d", a.head_dim);
    if (a.n_head_kv <= 0 || a.n_head % a.n_head_kv != 0 || a.kv_width < int64_t{a.n_head_kv} * a.head_dim ||
        a.kv_width % 8 != 0 || ldq % 4 != 0 || ldo % 4 != 0 || pos0 < 0)
        raise(SL_ERR_INVALID_ARGUMENT, "attention_prefill: bad shape (heads %d/%d, kv_width %lld, ldq %lld, ldo %lld)",
              a.n_head, a.n_head_kv, static_cast<long long>(a.kv_width), static_cast<long long>(ldq),
              static_cast<long long>(ldo));
    if (n_tok == 0) return;
    if (a.head_dim == 64)
        launch<64>(a, q, ldq, n_tok, pos0, out, ldo, stream);
    else
        launch<128>(a, q, ldq, n_tok, pos0, out, ldo, stream);
}

}  // namespace sl::cuda
