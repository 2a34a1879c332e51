// Q4_K matrix-vector products read straight from memory into registers, no shared-memory staging.
//
// A Q4_K super-block is 144 bytes, nine 16-byte granules: granule 0 holds d, dmin and the twelve
// bytes of packed scales, granules 1..8 the 128 bytes of nibbles, as four 32-byte chunks: chunk j's
// low nibbles are sub-block 2j, its high nibbles sub-block 2j + 1. A row of whole super-blocks keeps
// every granule 16-byte aligned, so a lane takes one chunk of a super-block (two granule loads) and
// its granule 0 (loaded by the lane of chunk 0, the others take it by shuffle): 64 weights under one
// pair of scales and mins, so each decode of the packed scales and each min term serves all of them
// (high nibbles in place, scale bytes by PRMT: 104 instructions a step, where shifts took 128). Lane
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

// What a lane holds of its super-block: granule 0 (the chunk-0 lane only), and its chunk's two granules.
struct Chunk {
    uint4 head, lo, hi;
};

// Where the lane's four 16-byte pieces of activations lie, as 16-byte units from its super-block's
// first (16 units, two a Q8_1 block): blocks 2j, 2j + 1, two halves each; piece p's unit is piece
// 0's ^ p (4j ^ p = 4j + p). Staged rows keep unit u at swizzled_q8_1_unit(u), which for a
// super-block starting on a multiple of eight (every step's first) flips the low bits of the lane's
// units by 4 * (j / 2) ^ sub.
template <bool STAGED>
__device__ __forceinline__ int piece0_unit(int j, int sub) {
    return STAGED ? 4 * j ^ (4 * (j >> 1) ^ sub) : 4 * j;
}

// The lane's chunk j of super-block `blk` (sub-blocks 2j, 2j + 1) against every token; `sel` picks
// sub-block 2j's byte of the scale and min words (byte_at), 2j + 1's is the next. The low nibbles
// meet the activations masked, the high ones masked in place (16 q: no shift), so dot_hi16 is 16
// times sub-block 2j + 1's sum, which the 1/16 beside its activation scale takes back exactly
// (|sc1 * dot_hi| < 2^22, and a power of two changes only a float's exponent).
template <int NTOK, bool STAGED, class X>
__device__ __forceinline__ void dot_chunk(const Chunk& c, int j, int sub, uint32_t sel, int64_t blk, const X& x,
                                          float (&acc)[NTOK], bool valid = true) {
    uint4 head;  // loaded by the super-block's lane of chunk 0
    head.x = __shfl_sync(0xffffffffu, c.head.x, sub);
    head.y = __shfl_sync(0xffffffffu, c.head.y, sub);
    head.z = __shfl_sync(0xffffffffu, c.head.z, sub);
    head.w = __shfl_sync(0xffffffffu, c.head.w, sub);
    uint32_t sc, mn;
    k4_scale_min_words(head.y, head.z, head.w, j, &sc, &mn);
    const int sc0 = byte_at(sc, sel), sc1 = byte_at(sc, sel + 1), m0 = byte_at(mn, sel), m1 = byte_at(mn, sel + 1);
    const float d = half_bits(head.x), dmin = half_bits(head.x >> 16);
    const uint32_t words[8] = {c.lo.x, c.lo.y, c.lo.z, c.lo.w, c.hi.x, c.hi.y, c.hi.z, c.hi.w};
    const int64_t k_lo = blk * 8 + 2 * j;  // Q8_1 blocks 2j and 2j + 1 of this super-block
    const int64_t u0 = blk * 16 + piece0_unit<STAGED>(j, sub);  // piece p's is u0 ^ p (u0 % 16 ^ p < 16)
#pragma unroll
    for (int t = 0; t < NTOK; ++t) {
        int dot_lo = 0, dot_hi16 = 0;
#pragma unroll
        for (int p = 0; p < 4; ++p) {  // pieces: block 2j's two halves, then block 2j + 1's
            const int4 xv = x.unit16(t, u0 ^ p);
            const int xw[4] = {xv.x, xv.y, xv.z, xv.w};
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const uint32_t w = words[4 * (p & 1) + i];
                if (p < 2) dot_lo = __dp4a(int(w & 0x0F0F0F0Fu), xw[i], dot_lo);
                else dot_hi16 = dp4a_u8_s8(w & 0xF0F0F0F0u, xw[i], dot_hi16);
            }
        }
        float2 ds_lo, ds_hi;
        x.ds2(t, k_lo, ds_lo, ds_hi);
        float sum = d * (float(sc0 * dot_lo) * ds_lo.x + float(sc1 * dot_hi16) * (0.0625f * ds_hi.x));
        sum -= dmin * (float(m0) * ds_lo.y + float(m1) * ds_hi.y);
        if (valid) acc[t] += sum;
    }
}

template <int NTOK, bool STAGED, int NORM>
__global__ void __launch_bounds__(32 * (NORM == kNormFold ? kFoldWarps : kWarps)) matvec_q4_k_kernel(MatvecParts parts, MatvecNorm norm, int64_t cols,
                                                                 const uint8_t* __restrict__ xq, bool accumulate) {
    constexpr int WARPS = NORM == kNormFold ? kFoldWarps : kWarps;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const MatvecRow r = matvec_row(parts, WARPS, warp);
    const int n_blocks = int(cols / 256), full_steps = n_blocks / kBlocksPerStep;
    const uint8_t* w_row = r.w + r.row * n_blocks * kBlockBytes;
    const int j = lane / 8, sub = lane % 8;  // chunk j of super-block sub of a step
    const uint32_t sel = 0x4440u + 2 * (j & 1);

    // One step's loads; as a step is computed, the registers take the next one's.
    Chunk held;
    auto load = [&](int step) {  // the lane's super-block of that step, if the row has it
        const int b = step * kBlocksPerStep + sub;
        if (r.valid && b < n_blocks) {
            const uint8_t* p = w_row + int64_t(b) * kBlockBytes + 16 + 32 * j;
            if (j == 0) held.head = __ldg(reinterpret_cast<const uint4*>(p - 16));
            held.lo = __ldg(reinterpret_cast<const uint4*>(p));
            held.hi = __ldg(reinterpret_cast<const uint4*>(p + 16));
        }
    };
    load(0);  // the weights are no kernel's output: on their way before the wait
    pdl_wait();
    pdl_launch_dependents();

    const auto x = q8_1_activations<NTOK, STAGED, 32 * WARPS, true>(xq, cols);
    load_norm_inputs<NORM>(norm, r, lane);
    if (!r.valid) return;

    float acc[NTOK];
#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;
    // Whole steps without a bounds check (no branch around the products), then a partial one.
    int step = 0;
    for (; step < full_steps; ++step) {
        dot_chunk<NTOK, STAGED>(held, j, sub, sel, step * kBlocksPerStep + sub, x, acc);
        load(step + 1);
    }
    if (full_steps * kBlocksPerStep < n_blocks) {  // every lane takes part in the shuffles; those past the row
        const int b = step * kBlocksPerStep + sub;  // read the row's last super-block's activations, unused
        dot_chunk<NTOK, STAGED>(held, j, sub, sel, b < n_blocks ? b : n_blocks - 1, x, acc, b < n_blocks);
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
