// Q4_K matrix-vector products read straight from memory into registers, no shared-memory staging.
//
// A Q4_K super-block is 144 bytes, nine 16-byte granules: granule 0 holds d, dmin and the twelve
// bytes of packed scales, granules 1..8 the 128 bytes of nibbles. A row of whole super-blocks keeps
// every granule 16-byte aligned, so eight lanes take one super-block, each one granule of nibbles
// (32 weights: 16 of sub-block 2j in the low nibbles, 16 of sub-block 2j + 1 in the high ones) and
// the shared granule 0 (one broadcast load): a warp reads four super-blocks, 576 contiguous bytes,
// per step with coalesced 16-byte loads, two steps in flight (the first two issued before the kernel
// waits for the one before it, launch.cuh). One warp per row, eight rows a block.
// The dot products are int8 dp4a against the Q8_1 activations, staged in shared memory when they fit
// (q8_1_activations.cuh); the mins use the Q8_1 block sums, as ggml does.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda/device_bits.cuh"
#include "cuda/k4_scales.h"
#include "cuda/launch.cuh"
#include "cuda/matvec_parts.cuh"
#include "cuda/matvec_q4_k.h"
#include "cuda/ops.h"
#include "cuda/q8_1_activations.cuh"

namespace sl::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kBlockBytes = 144;
constexpr int kBlocksPerStep = 4;  // super-blocks a warp reads per step
// Steps whose loads are all issued before the first is used (1.15 KB in flight per warp). Four
// steps cost registers (63 instead of 46 at one token: four blocks an SM instead of five), which
// made the long-row products slower (run 5: ffn_down 54% -> 50%, output 72% -> 67%).
constexpr int kStepsPerGroup = 2;

// One lane's granule of super-block `blk` (nibbles of sub-blocks 2j, 2j + 1) against every token.
template <int NTOK, class X>
__device__ __forceinline__ void dot_granule(uint4 head, uint4 q, int j, int half, int64_t blk, const X& x,
                                            float (&acc)[NTOK]) {
    // Sub-blocks 2j and 2j + 1: bytes k, k + 1 of each packed word, the upper half of the scales
    // for j >= 2. Branch-free, since half the warp's lanes take each half (run 8: 26 of 32 lanes
    // active on average with the branch).
    int sc0, m0, sc1, m1;
    k4_scale_min_pair(head.y, head.z, head.w, j, &sc0, &m0, &sc1, &m1);
    const float d = half_bits(head.x);
    // The mins meet each whole 32-value block sum once, from the lane holding its first half: the
    // others subtract zero (a select, not a branch).
    const float dmin = half == 0 ? half_bits(head.x >> 16) : 0.0f;
    const uint32_t words[4] = {q.x, q.y, q.z, q.w};
    const int64_t k_lo = blk * 8 + 2 * j;  // Q8_1 blocks 2j and 2j + 1 of this super-block
#pragma unroll
    for (int t = 0; t < NTOK; ++t) {
        const int4 xl = x.quants16(t, k_lo, half), xh = x.quants16(t, k_lo + 1, half);
        const int xl_words[4] = {xl.x, xl.y, xl.z, xl.w}, xh_words[4] = {xh.x, xh.y, xh.z, xh.w};
        int dot_lo = 0, dot_hi = 0;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            dot_lo = __dp4a(int(words[i] & 0x0F0F0F0Fu), xl_words[i], dot_lo);
            dot_hi = __dp4a(int(words[i] >> 4 & 0x0F0F0F0Fu), xh_words[i], dot_hi);
        }
        const __half2 ds_lo = x.ds(t, k_lo), ds_hi = x.ds(t, k_lo + 1);
        float sum = d * (float(sc0 * dot_lo) * __low2float(ds_lo) + float(sc1 * dot_hi) * __low2float(ds_hi));
        sum -= dmin * (float(m0) * __high2float(ds_lo) + float(m1) * __high2float(ds_hi));
        acc[t] += sum;
    }
}

template <int NTOK, bool STAGED, int NORM>
__global__ void __launch_bounds__(32 * (NORM == kNormFold ? kFoldWarps : kWarps)) matvec_q4_k_kernel(MatvecParts parts, MatvecNorm norm, int64_t cols,
                                                                 const uint8_t* __restrict__ xq, bool accumulate) {
    constexpr int WARPS = NORM == kNormFold ? kFoldWarps : kWarps;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const MatvecRow r = matvec_row(parts, WARPS, warp);
    const int64_t n_blocks = cols / 256;
    const uint8_t* w_row = r.w + r.row * n_blocks * kBlockBytes;
    const int sub = lane / 8;                          // which super-block of a step
    const int g = lane % 8, j = g / 2, half = g % 2;  // nibble granule g: bytes 16g.. of qs

    // One group of steps: every load issued before any is used.
    uint4 heads[kStepsPerGroup], quants[kStepsPerGroup];
    auto load_group = [&](int64_t b0) {
#pragma unroll
        for (int s = 0; s < kStepsPerGroup; ++s) {
            const int64_t b = b0 + s * kBlocksPerStep + sub;
            if (r.valid && b < n_blocks) {
                const uint8_t* p = w_row + b * kBlockBytes;
                heads[s] = __ldg(reinterpret_cast<const uint4*>(p));
                quants[s] = __ldg(reinterpret_cast<const uint4*>(p + 16 + 16 * g));
            }
        }
    };
    load_group(0);  // the weights are no kernel's output: on their way before the wait
    pdl_wait();
    pdl_launch_dependents();

    const auto x = q8_1_activations<NTOK, STAGED, 32 * WARPS>(xq, cols);
    load_norm_inputs<NORM>(norm, r, lane);
    if (!r.valid) return;

    float acc[NTOK];
#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;
    for (int64_t b0 = 0;;) {
#pragma unroll
        for (int s = 0; s < kStepsPerGroup; ++s) {
            const int64_t b = b0 + s * kBlocksPerStep + sub;
            if (b < n_blocks) dot_granule<NTOK>(heads[s], quants[s], j, half, b, x, acc);
        }
        b0 += kStepsPerGroup * kBlocksPerStep;
        if (b0 >= n_blocks) break;
        load_group(b0);
    }

    store_row<NORM>(norm, r, lane, acc, accumulate);
}

}  // namespace

void matvec_q4_k(std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok, bool accumulate,
                 cudaStream_t stream, const MatvecNorm& norm) {
    const auto forms = [](auto ntok, auto norm) -> RegisterMatvecForms {
        constexpr int N = decltype(ntok)::value, W = decltype(norm)::value;
        return {matvec_q4_k_kernel<N, true, W>, matvec_q4_k_kernel<N, false, W>};
    };
    launch_register_matvec("matvec_q4_k", forms, kWarps, parts, cols, xq, n_tok, accumulate, norm, stream);
}

}  // namespace sl::cuda
