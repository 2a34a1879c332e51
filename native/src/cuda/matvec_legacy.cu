// Q4_0 and Q8_0 matrix-vector products read straight from memory into registers, no shared-memory
// staging.
//
// A Q4_0 block is 18 bytes (fp16 d, 16 bytes of nibbles: elements 0..15 low, 16..31 high; weight
// d * (q - 8)), a Q8_0 block 34 (fp16 d, 32 int8). Neither is 16-byte aligned, but eight blocks are
// 144 bytes (9 granules) or 272 (17): in a row of whole groups of eight (cols % 256 == 0) starting
// 16-byte aligned, every group starts on a granule, and its block c starts 2c bytes into granule c
// (Q4_0) or 2c (Q8_0). A unit is 16 bytes of quants, a lane's work for one step: a Q4_0 block, or
// half a Q8_0 block. Unit u of a group (u = c, or 2c + half) starts 2c + 2 bytes into granule u and
// runs into granule u + 1; its d lies 2c bytes into the block's first granule.
//
// W lanes take one group a step (W = 4 units of Q4_0, 8 of Q8_0), 32 / W groups side by side: in
// step s (0, 1) lane j of the W loads granule sW + j of its group, and lane 0 also granule sW + W,
// so each warp-wide load reads 8 or 4 runs of 64 or 128 contiguous bytes. Unit sW + j, whose block
// is c = 4s + j / (W / 4), starts 8s + 2(j / (W / 4) + 1) bytes into that granule: the lane takes
// the next granule's words from lane j + 1 (__shfl_sync; lane W - 1 from lane 0's extra one) and
// shifts its 16 bytes out with one select and one funnel shift a word (a runtime shift of 2 to 8
// bytes). A warp's two steps (1.1 KB; two chunks of them in the folded norm's form) are in flight
// while it computes: as a step is done, its registers load the next chunk's, the first before the
// kernel waits for the one before it (launch.cuh). Rows whose groups do not fill the last chunk leave its other lanes idle. One warp
// per row, eight rows a block. The dot products are int8 dp4a against the Q8_1 activations, staged
// in shared memory when they fit (q8_1_activations.cuh); Q4_0's -8 from the Q8_1 block sums, as in
// quant_dot.cuh's staged kernel.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda/device_bits.cuh"
#include "cuda/launch.cuh"
#include "cuda/matvec_legacy.h"
#include "cuda/matvec_parts.cuh"
#include "cuda/ops.h"
#include "cuda/q8_1_activations.cuh"

namespace sl::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kGroupBlocks = kMatvecLegacyGroupCols / 32;  // blocks of a granule-aligned group
constexpr int kSteps = 2;                                   // steps of a chunk, four blocks of a group each

// Q4_0: a unit is a whole block, 32 weights. The -8 of each weight is taken once a block from the
// Q8_1 block sum (d * (q - 8) . x = d * (q . x) - 8d * sum(x), sum(x) as the stored s), as ggml does,
// instead of from each byte before dp4a. The high nibbles (elements 16..31) meet the activations in
// place, as 16 q (no shift), so the block's sum comes out 16 times over, which d / 16 takes back
// exactly (|sum| < 2^16: every step is exact in float, and a power of two moves only the exponent).
struct Q4_0 {
    static constexpr int kBlockBytes = 18, kLanes = 4;
    template <int NTOK, class X>
    __device__ static void dot(uint4 q, float d, int, int64_t k, const X& x, float (&acc)[NTOK]) {
        const uint32_t words[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const int4 xl = x.quants16(t, k, 0), xh = x.quants16(t, k, 1);
            const int xl_words[4] = {xl.x, xl.y, xl.z, xl.w}, xh_words[4] = {xh.x, xh.y, xh.z, xh.w};
            int lo = 0, hi16 = 0;
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                lo = __dp4a(int(words[i] & 0x0F0F0F0Fu), xl_words[i], lo);
                hi16 = dp4a_u8_s8(words[i] & 0xF0F0F0F0u, xh_words[i], hi16);
            }
            const float2 ds = x.ds(t, k);
            acc[t] += 0.0625f * d * fmaf(ds.x, float(16 * lo + hi16), -128.0f * ds.y);
        }
    }
};

// Q8_0: a unit is half a block (lane j's: elements 16 * (j % 2) ..), 16 weights.
struct Q8_0 {
    static constexpr int kBlockBytes = 34, kLanes = 8;
    template <int NTOK, class X>
    __device__ static void dot(uint4 q, float d, int j, int64_t k, const X& x, float (&acc)[NTOK]) {
        const int words[4] = {int(q.x), int(q.y), int(q.z), int(q.w)};
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const int4 xv = x.quants16(t, k, j % 2);
            const int x_words[4] = {xv.x, xv.y, xv.z, xv.w};
            int sum = 0;
#pragma unroll
            for (int i = 0; i < 4; ++i) sum = __dp4a(words[i], x_words[i], sum);
            acc[t] += d * x.ds(t, k).x * float(sum);
        }
    }
};

// What one lane holds of a step: granule sW + j of its group; lane 0 also granule sW + W.
struct Granules {
    uint4 own, extra;
};

__device__ __forceinline__ uint32_t word(uint4 v, int i) {
    const uint32_t lo = i & 1 ? v.y : v.x, hi = i & 1 ? v.w : v.z;
    return i & 2 ? hi : lo;
}

// This lane's unit of step s (lane j of the W from base_lane, block b = j / (W / 4) of the step's
// four) against every token: k is its Q8_1 block, `valid` whether its group is in the row (every
// lane takes part in the shuffles).
template <class T, int NTOK, class X>
__device__ __forceinline__ void dot_unit(const Granules& held, int j, int base_lane, int s, bool valid, int64_t k,
                                         const X& x, float (&acc)[NTOK]) {
    constexpr int W = T::kLanes, kUnits = W / 4;  // units a block
    const int b = j / kUnits;
    const uint4 sent = j == 0 ? held.extra : held.own;  // what lane j - 1 takes after its granule
    const int src = base_lane + (j + 1) % W;
    uint32_t w[8] = {held.own.x, held.own.y, held.own.z, held.own.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        if (i <= 2 * s + 1) w[4 + i] = __shfl_sync(0xffffffffu, word(sent, i), src);  // what 8s + 8 bytes reach
    }
    // The quants start 8s + 2b + 2 bytes in: word 2s, or 2s + 1 for b >= 2, then 16 or 32 bits
    // (the clamped funnel shift takes the next word whole).
    const bool skip = b >= 2;
    const unsigned bits = 16 + 16 * (b & 1);
    uint32_t v[5];
#pragma unroll
    for (int i = 0; i < 5; ++i) v[i] = skip ? w[2 * s + i + 1] : w[2 * s + i];
    uint4 q;
    q.x = __funnelshift_rc(v[0], v[1], bits);
    q.y = __funnelshift_rc(v[1], v[2], bits);
    q.z = __funnelshift_rc(v[2], v[3], bits);
    q.w = __funnelshift_rc(v[3], v[4], bits);
    // d, 8s + 2b bytes into the block's first granule: half b % 2 of v[0] there, at the block's
    // first unit.
    uint32_t d_bits = v[0] >> (16 * (b & 1));
    if constexpr (kUnits > 1) d_bits = __shfl_sync(0xffffffffu, d_bits, base_lane + j - j % kUnits);
    if (valid) T::template dot<NTOK>(q, half_bits(d_bits), j, k, x, acc);
}

// At one token, six blocks an SM (40 registers at most: nothing spilled but 16 bytes in Q4_0's staged
// form with the input's norm factor). More tokens: ptxas's choice (0). DEPTH chunks in flight a warp:
// buffer b holds chunks b, b + DEPTH, ..., each reloaded with the chunk DEPTH further as soon as it
// is consumed (2 for the folded norm's form: one block of 32 warps an SM, 64 registers, where the
// warps wait on memory, run 20's profile; Q8_0 +0.9%, Q4_0 even).
template <class T, int NTOK, bool STAGED, int NORM, int DEPTH = 1>
__global__ void __launch_bounds__(32 * (NORM == kNormFold ? kFoldWarps : kWarps), NTOK == 1 && NORM != kNormFold ? 6 : 0)
    matvec_legacy_kernel(MatvecParts parts, MatvecNorm norm, int64_t cols, const uint8_t* __restrict__ xq, bool accumulate) {
    constexpr int W = T::kLanes, kGroups = 32 / W;  // lanes a group, groups a chunk
    constexpr int kGroupGranules = kGroupBlocks * T::kBlockBytes / 16;
    static_assert(kGroupBlocks * T::kBlockBytes % 16 == 0 && kGroupGranules == kSteps * W + 1);
    constexpr int WARPS = NORM == kNormFold ? kFoldWarps : kWarps;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const MatvecRow r = matvec_row(parts, WARPS, warp);
    const int n_groups = int(cols / kMatvecLegacyGroupCols);
    const int n_chunks = (n_groups + kGroups - 1) / kGroups, full_chunks = n_groups / kGroups;
    const auto* w_row = reinterpret_cast<const uint4*>(r.w) + r.row * n_groups * kGroupGranules;
    const int grp = lane / W, j = lane % W, base_lane = lane - j;

    // The lane's group of each chunk: p walks the row a chunk (kGroups groups) at a time.
    constexpr int kChunkGranules = kGroups * kGroupGranules;
    const uint4* p = w_row + grp * kGroupGranules;
    Granules held[DEPTH][kSteps] = {};
    auto load = [&](int b, const uint4* at, int group, int s) {
        if (group >= n_groups) return;
        held[b][s].own = __ldg(at + W * s + j);
        if (j == 0) held[b][s].extra = __ldg(at + W * s + W);
    };
    if (r.valid) {  // the weights are no kernel's output: on their way before the wait
#pragma unroll
        for (int b = 0; b < DEPTH; ++b) {
#pragma unroll
            for (int s = 0; s < kSteps; ++s) load(b, p + b * kChunkGranules, grp + b * kGroups, s);
        }
    }
    pdl_wait();
    pdl_launch_dependents();

    const auto x = q8_1_activations<NTOK, STAGED, 32 * WARPS>(xq, cols);
    load_norm_inputs<NORM>(norm, r, lane);
    if (!r.valid) return;

    float acc[NTOK];
#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;
    // Whole chunks with no bounds check (no branch around the products), then a partial one.
    const auto chunk_dots = [&](int b, int chunk, bool check) {  // chunk from buffer b, which loads chunk + DEPTH
        const int group = chunk * kGroups + grp;
        const uint4* ahead = p + DEPTH * kChunkGranules;
#pragma unroll
        for (int s = 0; s < kSteps; ++s) {
            const int64_t k = int64_t(group) * kGroupBlocks + 4 * s + j / (W / 4);
            dot_unit<T, NTOK>(held[b][s], j, base_lane, s, !check || group < n_groups, k, x, acc);
            if (chunk + DEPTH < n_chunks) load(b, ahead, group + DEPTH * kGroups, s);
        }
        p += kChunkGranules;
    };
    int chunk = 0;
    for (; chunk + DEPTH <= full_chunks; chunk += DEPTH) {
#pragma unroll
        for (int b = 0; b < DEPTH; ++b) chunk_dots(b, chunk + b, false);
    }
#pragma unroll
    for (int b = 0; b < DEPTH; ++b) {  // the rest: fewer than DEPTH chunks, the last maybe partial
        if (chunk + b < n_chunks) chunk_dots(b, chunk + b, DEPTH == 1 || chunk + b >= full_chunks);
    }

    store_row<NORM>(norm, r, lane, acc, accumulate);
}

template <class T>
void launch_legacy(const char* name, std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok,
                   bool accumulate, cudaStream_t stream, const MatvecNorm& norm) {
    const auto forms = [](auto ntok, auto norm) -> RegisterMatvecForms {
        constexpr int N = decltype(ntok)::value, W = decltype(norm)::value;
        constexpr int kDepth = W == kNormFold ? 2 : 1;
        return {matvec_legacy_kernel<T, N, true, W, kDepth>, matvec_legacy_kernel<T, N, false, W, kDepth>};
    };
    launch_register_matvec(name, forms, kWarps, parts, cols, xq, n_tok, accumulate, norm, stream);
}

}  // namespace

void matvec_q4_0(std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok, bool accumulate,
                 cudaStream_t stream, const MatvecNorm& norm) {
    launch_legacy<Q4_0>("matvec_q4_0", parts, cols, xq, n_tok, accumulate, stream, norm);
}

void matvec_q8_0(std::span<const MatvecPart> parts, int64_t cols, const void* xq, int n_tok, bool accumulate,
                 cudaStream_t stream, const MatvecNorm& norm) {
    launch_legacy<Q8_0>("matvec_q8_0", parts, cols, xq, n_tok, accumulate, stream, norm);
}

}  // namespace sl::cuda
