// Q6_K matrix-vector products read straight from memory into registers, no shared-memory staging.
//
// A Q6_K super-block is 210 bytes: ql[128] (low nibbles), qh[64] (two high bits each), sixteen int8
// scales (one per 16 weights), fp16 d; weight = d * scale * (q - 32). Blocks are not 16-byte
// aligned, but eight of them are 1680 bytes, 105 granules: in a row of whole groups of eight
// (cols % 2048 == 0) starting 16-byte aligned, every group starts on a granule, and its block c
// (0..7) starts 2c bytes into granule 13c and ends in granule 13c + 13. Eight lanes take one block
// with two 16-byte loads each, lane g granules 13c + g and 13c + 8 + g (lanes 6, 7: the last two
// again), so each warp-wide load reads four runs of 128 or 96 contiguous bytes. A lane then shifts
// its granules to the block's bytes (16g.., and 128 + 16g.. or the last 32 again) with the words
// of the next granules from lane g + 1 (__shfl_sync) and a funnel shift, and takes what else it
// needs from the lanes holding it. Lane g = 4h + 2p + u multiplies 32 weights: the 16 bytes
// ql[64h + 32p + 16u ..] (low nibbles: elements 128h + 32p + 16u + i, high nibbles: those + 64),
// their high bits in qh[32h + 16u ..] (bits 2p and 2p + 4), scales 8h + 2p + u and 4 further. A
// warp takes four blocks a step, a group in two steps; as a step is done, its registers load the
// next group's step, so about one group (1.6 KB a warp) is in flight, the first before the kernel
// waits for the one before it (launch.cuh). One warp per row, eight rows a block. The dot products
// are int8 dp4a against the Q8_1 activations, staged in shared memory when they fit
// (q8_1_activations.cuh).
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda/device_bits.cuh"
#include "cuda/launch.cuh"
#include "cuda/matvec_parts.cuh"
#include "cuda/matvec_q6_k.h"
#include "cuda/ops.h"
#include "cuda/q8_1_activations.cuh"

namespace sl::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kGroupBlocks = kMatvecQ6KGroupCols / 256;  // super-blocks of a granule-aligned group
constexpr int kGroupGranules = kGroupBlocks * 210 / 16;  // 105
constexpr int kBlockGranules = 13;                       // block c starts in granule 13c of its group
constexpr int kStepBlocks = 4;                           // super-blocks a warp takes per step
static_assert(kGroupBlocks * 210 % 16 == 0 && kGroupBlocks % kStepBlocks == 0);
constexpr int kSteps = kGroupBlocks / kStepBlocks;

// What one lane holds of its block: granules g (a) and 8 + g (b), g < 6; lanes 6 and 7 hold the
// last two again (12, 13) so that the scales are held twice (one shuffle serves both halves of the
// lanes).
struct Granules {
    uint4 a, b;
};

__device__ __forceinline__ int b_granule(int g) { return 8 + (g < 6 ? g : g - 2); }

__device__ __forceinline__ uint32_t word(uint4 v, int i) {
    const uint32_t lo = i & 1 ? v.y : v.x, hi = i & 1 ? v.w : v.z;
    return i & 2 ? hi : lo;
}

// The lane's 16 bytes of its block from byte 16g (a: its ql) and 16 * b_granule(g) (b: qh for
// g < 4, the scales for g = 4, 6, d in the first two bytes for g = 5, 7). Block c = 4s + sub starts
// 2c bytes into its granule 0, so they run into the next granules, held by lane g + 1 (lane 0's b
// follows lane 7's a). Lanes 5 and 7 get garbage past d, which nobody reads.
__device__ __forceinline__ Granules block_bytes(const Granules& held, int g, int base_lane, int s, int sub) {
    const int src = base_lane + ((g + 1) & 7);
    const uint4 a_next = g == 0 ? held.b : held.a;  // what lane g - 1 takes after its a
    uint32_t a[8] = {held.a.x, held.a.y, held.a.z, held.a.w}, b[8] = {held.b.x, held.b.y, held.b.z, held.b.w};
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        if (j <= 2 * s + 1) {  // the words of the next granule that an offset of 8s + 6 bytes at most reaches
            a[4 + j] = __shfl_sync(0xffffffffu, word(a_next, j), src);
            b[4 + j] = __shfl_sync(0xffffffffu, word(held.b, j), src);
        }
    }
    // Offset 2c = 8s + 4 * (sub / 2) + 2 * (sub % 2) bytes: 2s + sub / 2 whole words, then 0 or 16 bits.
    const bool odd_word = sub & 2;
    const unsigned bits = 16 * (sub & 1);
    uint32_t oa[4], ob[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        const int w = 2 * s + j;
        oa[j] = __funnelshift_r(odd_word ? a[w + 1] : a[w], odd_word ? a[w + 2] : a[w + 1], bits);
        ob[j] = __funnelshift_r(odd_word ? b[w + 1] : b[w], odd_word ? b[w + 2] : b[w + 1], bits);
    }
    return {make_uint4(oa[0], oa[1], oa[2], oa[3]), make_uint4(ob[0], ob[1], ob[2], ob[3])};
}

// This lane's 32 weights of super-block `blk` (block 4s + sub of its group) against every token.
template <int NTOK, class X>
__device__ __forceinline__ void dot_block(const Granules& held, int g, int base_lane, int s, int sub, int64_t blk,
                                          const X& x, float (&acc)[NTOK]) {
    const int h = g >> 2, p = g >> 1 & 1, u = g & 1;
    const Granules own = block_bytes(held, g, base_lane, s, sub);
    // qh[32h + 16u ..] is lane 2h + u's b; scale words 2h, 2h + 1 are words 0, 1 of lane 4 + 2h's
    // b; d opens lane 5's.
    uint32_t qh[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) qh[j] = __shfl_sync(0xffffffffu, word(own.b, j), base_lane + 2 * h + u);
    const uint32_t s_lo = __shfl_sync(0xffffffffu, word(own.b, g & 2), base_lane + 4 + 2 * h);
    const uint32_t s_hi = __shfl_sync(0xffffffffu, word(own.b, (g & 2) + 1), base_lane + 4 + 2 * h);
    const float d = half_bits(__shfl_sync(0xffffffffu, own.b.x, base_lane + 5));
    const uint32_t ql[4] = {own.a.x, own.a.y, own.a.z, own.a.w};
    // At one token the -32 is taken once per 16 weights, as 32 * (the activations' sum) from four dp4a
    // against 0x20202020, instead of from each byte (three instructions a word); with more tokens the
    // sums would be per token, so the bytes are offset once instead.
    constexpr bool kOffsetLater = NTOK == 1;
    int lo[4], hi[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const uint32_t high = qh[i] >> (2 * p);  // bits 0-1 of each byte: the low nibbles', 4-5: the high ones'
        lo[i] = int((ql[i] & 0x0F0F0F0Fu) | (high << 4 & 0x30303030u));
        hi[i] = int((ql[i] >> 4 & 0x0F0F0F0Fu) | (high & 0x30303030u));
        if constexpr (!kOffsetLater) {
            lo[i] = sub_bytes(uint32_t(lo[i]), 0x20202020u);
            hi[i] = sub_bytes(uint32_t(hi[i]), 0x20202020u);
        }
    }
    // Scales 8h + (g & 3) and 4 further: byte g & 3 of scale words 2h and 2h + 1.
    const int scale_lo = int8_t(s_lo >> (8 * (g & 3))), scale_hi = int8_t(s_hi >> (8 * (g & 3)));
    const int64_t k_lo = blk * 8 + 4 * h + p;  // Q8_1 block of the low nibbles; the high ones' is 2 further
#pragma unroll
    for (int t = 0; t < NTOK; ++t) {
        const int4 xl = x.quants16(t, k_lo, u), xh = x.quants16(t, k_lo + 2, u);
        const int xl_words[4] = {xl.x, xl.y, xl.z, xl.w}, xh_words[4] = {xh.x, xh.y, xh.z, xh.w};
        int dot_lo = 0, dot_hi = 0, off_lo = 0, off_hi = 0;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            dot_lo = __dp4a(lo[i], xl_words[i], dot_lo);
            dot_hi = __dp4a(hi[i], xh_words[i], dot_hi);
            if constexpr (kOffsetLater) {
                off_lo = __dp4a(0x20202020, xl_words[i], off_lo);
                off_hi = __dp4a(0x20202020, xh_words[i], off_hi);
            }
        }
        dot_lo -= off_lo, dot_hi -= off_hi;
        const float2 ds_lo = x.ds(t, k_lo), ds_hi = x.ds(t, k_lo + 2);
        acc[t] += d * (float(scale_lo * dot_lo) * ds_lo.x + float(scale_hi * dot_hi) * ds_hi.x);
    }
}

// At one token, five blocks an SM (48 registers, none spilled; left to itself ptxas takes 64: four
// blocks). More tokens: ptxas's choice (0).
template <int NTOK, bool STAGED, int NORM>
__global__ void __launch_bounds__(32 * (NORM == kNormFold ? kFoldWarps : kWarps), NTOK == 1 && NORM != kNormFold ? 5 : 0)
    matvec_q6_k_kernel(MatvecParts parts, MatvecNorm norm, int64_t cols, const uint8_t* __restrict__ xq, bool accumulate) {
    constexpr int WARPS = NORM == kNormFold ? kFoldWarps : kWarps;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const MatvecRow r = matvec_row(parts, WARPS, warp);
    const int64_t n_groups = cols / kMatvecQ6KGroupCols;
    const auto* w_row = reinterpret_cast<const uint4*>(r.w) + r.row * n_groups * kGroupGranules;
    const int sub = lane / 8, g = lane % 8, base_lane = lane & ~7;  // block sub of a step, granule g

    Granules held[kSteps];
    auto load = [&](int64_t group, int s) {
        const uint4* p = w_row + group * kGroupGranules + kBlockGranules * (kStepBlocks * s + sub) + g;
        held[s].a = __ldg(p);
        held[s].b = __ldg(p - g + b_granule(g));
    };
    if (r.valid) {  // the weights are no kernel's output: on their way before the wait
#pragma unroll
        for (int s = 0; s < kSteps; ++s) load(0, s);
    }
    pdl_wait();
    pdl_launch_dependents();

    const auto x = q8_1_activations<NTOK, STAGED, 32 * WARPS>(xq, cols);
    load_norm_inputs<NORM>(norm, r, lane);
    if (!r.valid) return;

    float acc[NTOK];
#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;
    for (int64_t group = 0; group < n_groups; ++group) {
#pragma unroll
        for (int s = 0; s < kSteps; ++s) {
            dot_block<NTOK>(held[s], g, base_lane, s, sub, group * kGroupBlocks + kStepBlocks * s + sub, x, acc);
            if (group + 1 < n_groups) load(group + 1, s);
        }
    }

    store_row<NORM>(norm, r, lane, acc, accumulate);
}

}  // namespace

void matvec_q6_k(std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok, bool accumulate,
                 cudaStream_t stream, const MatvecNorm& norm) {
    const auto forms = [](auto ntok, auto norm) -> RegisterMatvecForms {
        constexpr int N = decltype(ntok)::value, W = decltype(norm)::value;
        return {matvec_q6_k_kernel<N, true, W>, matvec_q6_k_kernel<N, false, W>};
    };
    launch_register_matvec("matvec_q6_k", forms, kWarps, parts, cols, xq, n_tok, accumulate, norm, stream);
}

}  // namespace sl::cuda
