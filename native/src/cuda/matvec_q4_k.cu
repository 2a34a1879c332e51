// Q4_K matrix-vector products read straight from memory into registers, no shared-memory staging.
//
// A Q4_K super-block is 144 bytes, nine 16-byte granules: granule 0 holds d, dmin and the twelve
// bytes of packed scales, granules 1..8 the 128 bytes of nibbles, as four 32-byte chunks: chunk j's
// low nibbles are sub-block 2j, its high nibbles sub-block 2j + 1. A row of whole super-blocks keeps
// every granule 16-byte aligned, so a lane takes one chunk of a super-block (two granule loads) and
// its granule 0 (a load the four lanes of that super-block share): 64 weights under one pair of
// scales and mins, so each decode of the packed scales and each min term serves all of them. Lane
// (j, sub) = (lane / 8, lane % 8) takes chunk j of super-block sub of a step: a warp reads eight
// super-blocks, 1152 contiguous bytes, per step with 16-byte loads, each step's issued as soon as
// the one before is computed (the first before the kernel waits for the one before it, launch.cuh).
// One warp per row, eight rows a block.
// The dot products are int8 dp4a against the Q8_1 activations, staged in shared memory when they fit
// (q8_1_activations.cuh), their 16-byte units swizzled so that a quarter warp's eight lanes (one
// chunk of eight super-blocks) meet every bank once; the mins use the Q8_1 block sums, as ggml does.
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
constexpr int kBlocksPerStep = 8;  // super-blocks a warp reads per step, four lanes each
// One step (1152 bytes) in flight a warp: 40 registers at one token, six blocks an SM. Run 17: two
// steps in flight (63 registers, four blocks an SM) decoded Q4_K_M 6% slower.

// What a lane holds of its super-block: granule 0, and its chunk's two granules.
struct Chunk {
    uint4 head, lo, hi;
};

// Where the lane's four 16-byte pieces of activations lie, as 16-byte units from its super-block's
// first (16 units, two a Q8_1 block): blocks 2j, 2j + 1, two halves each. Staged rows keep unit u at
// swizzled_q8_1_unit(u), which for a super-block starting on a multiple of eight (every step's
// first) flips the low bits of the lane's units by 4 * (j / 2) ^ sub.
template <bool STAGED>
__device__ __forceinline__ int piece_unit(int j, int sub, int p) {
    return STAGED ? (4 * j + p) ^ (4 * (j >> 1) ^ sub) : 4 * j + p;
}

// The lane's chunk j of super-block `blk` (sub-blocks 2j, 2j + 1) against every token.
template <int NTOK, bool STAGED, class X>
__device__ __forceinline__ void dot_chunk(const Chunk& c, int j, int sub, int64_t blk, const X& x, float (&acc)[NTOK]) {
    int sc0, m0, sc1, m1;
    k4_scale_min_pair(c.head.y, c.head.z, c.head.w, j, &sc0, &m0, &sc1, &m1);
    const float d = half_bits(c.head.x), dmin = half_bits(c.head.x >> 16);
    const uint32_t words[8] = {c.lo.x, c.lo.y, c.lo.z, c.lo.w, c.hi.x, c.hi.y, c.hi.z, c.hi.w};
    const int64_t k_lo = blk * 8 + 2 * j;  // Q8_1 blocks 2j and 2j + 1 of this super-block
#pragma unroll
    for (int t = 0; t < NTOK; ++t) {
        int dot_lo = 0, dot_hi = 0;
#pragma unroll
        for (int p = 0; p < 4; ++p) {  // pieces: block 2j's two halves, then block 2j + 1's
            const int4 xv = x.unit16(t, blk * 16 + piece_unit<STAGED>(j, sub, p));
            const int xw[4] = {xv.x, xv.y, xv.z, xv.w};
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const uint32_t w = words[4 * (p & 1) + i];
                if (p < 2) dot_lo = __dp4a(int(w & 0x0F0F0F0Fu), xw[i], dot_lo);
                else dot_hi = __dp4a(int(w >> 4 & 0x0F0F0F0Fu), xw[i], dot_hi);
            }
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
    const int j = lane / 8, sub = lane % 8;  // chunk j of super-block sub of a step

    // One step's loads; as a step is computed, the registers take the next one's.
    Chunk held;
    auto load = [&](int64_t b) {
        if (r.valid && b < n_blocks) {
            const uint8_t* p = w_row + b * kBlockBytes;
            held.head = __ldg(reinterpret_cast<const uint4*>(p));
            held.lo = __ldg(reinterpret_cast<const uint4*>(p + 16 + 32 * j));
            held.hi = __ldg(reinterpret_cast<const uint4*>(p + 32 + 32 * j));
        }
    };
    load(sub);  // the weights are no kernel's output: on their way before the wait
    pdl_wait();
    pdl_launch_dependents();

    const auto x = q8_1_activations<NTOK, STAGED, 32 * WARPS, true>(xq, cols);
    load_norm_inputs<NORM>(norm, r, lane);
    if (!r.valid) return;

    float acc[NTOK];
#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;
    for (int64_t b0 = 0;;) {
        if (b0 + sub < n_blocks) dot_chunk<NTOK, STAGED>(held, j, sub, b0 + sub, x, acc);
        b0 += kBlocksPerStep;
        if (b0 >= n_blocks) break;
        load(b0 + sub);
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
