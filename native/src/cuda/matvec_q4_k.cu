// Q4_K matrix-vector products read straight from memory into registers, no shared-memory staging.
//
// A Q4_K super-block is 144 bytes, nine 16-byte granules: granule 0 holds d, dmin and the twelve
// bytes of packed scales, granules 1..8 the 128 bytes of nibbles. A row of whole super-blocks keeps
// every granule 16-byte aligned, so eight lanes take one super-block, each one granule of nibbles
// (32 weights: 16 of sub-block 2j in the low nibbles, 16 of sub-block 2j + 1 in the high ones) and
// the shared granule 0 (one broadcast load): a warp reads four super-blocks, 576 contiguous bytes,
// per step with coalesced 16-byte loads, two steps in flight. One warp per row, four rows a block.
// The dot products are int8 dp4a against the Q8_1 activations; the mins use the Q8_1 block sums,
// as ggml does.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda/cuda_check.h"
#include "cuda/device_bits.cuh"
#include "cuda/matvec_q4_k.h"
#include "cuda/ops.h"

namespace sl::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kBlockBytes = 144;
constexpr int kBlocksPerStep = 4;  // super-blocks a warp reads per step

// Byte k (0..11) of the packed scales, held in the words y, z, w of granule 0 (no indexed array,
// so nothing lands in local memory).
__device__ __forceinline__ int scale_byte(uint4 head, int k) {
    const uint32_t word = k < 4 ? head.y : k < 8 ? head.z : head.w;
    return int(word >> (8 * (k & 3)) & 0xFFu);
}

// ggml's get_scale_min_k4 on the packed bytes.
__device__ __forceinline__ void scale_min(uint4 head, int s, int* sc, int* mn) {
    if (s < 4) {
        *sc = scale_byte(head, s) & 63;
        *mn = scale_byte(head, s + 4) & 63;
    } else {
        *sc = (scale_byte(head, s + 4) & 0xF) | (scale_byte(head, s - 4) >> 6) << 4;
        *mn = (scale_byte(head, s + 4) >> 4) | (scale_byte(head, s) >> 6) << 4;
    }
}

__device__ __forceinline__ float half_bits(uint32_t bits) { return __half2float(__ushort_as_half(uint16_t(bits))); }

template <int NTOK>
__device__ __forceinline__ void dot_granule(uint4 head, uint4 q, int j, int half, const uint8_t* xq_block,
                                            int64_t xq_row_bytes, float (&acc)[NTOK]) {
    int sc0, m0, sc1, m1;
    scale_min(head, 2 * j, &sc0, &m0);
    scale_min(head, 2 * j + 1, &sc1, &m1);
    const float d = half_bits(head.x), dmin = half_bits(head.x >> 16);
    const uint32_t words[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
    for (int t = 0; t < NTOK; ++t) {
        // Q8_1 blocks 2j and 2j + 1 of this super-block hold the activations of both sub-blocks.
        const uint8_t* xl = xq_block + t * xq_row_bytes + 2 * j * kQ8_1BlockBytes;
        const uint8_t* xh = xl + kQ8_1BlockBytes;
        const auto* xl_words = reinterpret_cast<const int*>(xl + 4 + 16 * half);
        const auto* xh_words = reinterpret_cast<const int*>(xh + 4 + 16 * half);
        int dot_lo = 0, dot_hi = 0;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            dot_lo = __dp4a(int(words[i] & 0x0F0F0F0Fu), xl_words[i], dot_lo);
            dot_hi = __dp4a(int(words[i] >> 4 & 0x0F0F0F0Fu), xh_words[i], dot_hi);
        }
        const __half2 ds_lo = *reinterpret_cast<const __half2*>(xl);
        const __half2 ds_hi = *reinterpret_cast<const __half2*>(xh);
        float sum = d * (float(sc0 * dot_lo) * __low2float(ds_lo) + float(sc1 * dot_hi) * __low2float(ds_hi));
        // The mins meet the whole 32-value block sum once, from the lane holding its first half.
        if (half == 0) sum -= dmin * (float(m0) * __high2float(ds_lo) + float(m1) * __high2float(ds_hi));
        acc[t] += sum;
    }
}

template <int NTOK>
__global__ void __launch_bounds__(32 * kWarps) matvec_q4_k_kernel(const uint8_t* __restrict__ w, int64_t rows,
                                                                  int64_t cols, const uint8_t* __restrict__ xq,
                                                                  float* __restrict__ y, int64_t ldy, bool accumulate) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int64_t row = int64_t(blockIdx.x) * kWarps + warp;
    if (row >= rows) return;
    const int64_t n_blocks = cols / 256;
    const int64_t xq_row_bytes = cols / kQ8_1BlockElems * kQ8_1BlockBytes;
    const uint8_t* w_row = w + row * n_blocks * kBlockBytes;
    const int sub = lane / 8;                  // which super-block of the step
    const int g = lane % 8, j = g / 2, half = g % 2;  // nibble granule g: bytes 16g.. of qs

    float acc[NTOK];
#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;

    int64_t b = sub;
    // Two steps at a time: both steps' loads are issued before either's arithmetic.
    for (; b + kBlocksPerStep < n_blocks; b += 2 * kBlocksPerStep) {
        const uint8_t* p0 = w_row + b * kBlockBytes;
        const uint8_t* p1 = p0 + kBlocksPerStep * kBlockBytes;
        const uint4 h0 = __ldg(reinterpret_cast<const uint4*>(p0));
        const uint4 q0 = __ldg(reinterpret_cast<const uint4*>(p0 + 16 + 16 * g));
        const uint4 h1 = __ldg(reinterpret_cast<const uint4*>(p1));
        const uint4 q1 = __ldg(reinterpret_cast<const uint4*>(p1 + 16 + 16 * g));
        dot_granule<NTOK>(h0, q0, j, half, xq + b * 8 * kQ8_1BlockBytes, xq_row_bytes, acc);
        dot_granule<NTOK>(h1, q1, j, half, xq + (b + kBlocksPerStep) * 8 * kQ8_1BlockBytes, xq_row_bytes, acc);
    }
    if (b < n_blocks) {
        const uint8_t* p0 = w_row + b * kBlockBytes;
        const uint4 h0 = __ldg(reinterpret_cast<const uint4*>(p0));
        const uint4 q0 = __ldg(reinterpret_cast<const uint4*>(p0 + 16 + 16 * g));
        dot_granule<NTOK>(h0, q0, j, half, xq + b * 8 * kQ8_1BlockBytes, xq_row_bytes, acc);
    }

#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = warp_sum(acc[t]);
    if (lane == 0) {
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            float* out = y + t * ldy + row;
            *out = accumulate ? *out + acc[t] : acc[t];
        }
    }
}

template <int NTOK = 1>
void launch(int n_tok, const void* w, int64_t rows, int64_t cols, const void* xq, float* y, int64_t ldy,
            bool accumulate, cudaStream_t stream) {
    if constexpr (NTOK < kMaxMatvecTokens) {
        if (n_tok > NTOK) return launch<NTOK + 1>(n_tok, w, rows, cols, xq, y, ldy, accumulate, stream);
    }
    const unsigned grid = unsigned((rows + kWarps - 1) / kWarps);
    matvec_q4_k_kernel<NTOK><<<grid, 32 * kWarps, 0, stream>>>(static_cast<const uint8_t*>(w), rows, cols,
                                                               static_cast<const uint8_t*>(xq), y, ldy, accumulate);
    check_launch("matvec_q4_k");
}

}  // namespace

void matvec_q4_k(const void* w, int64_t rows, int64_t cols, const void* xq, int n_tok, float* y, int64_t ldy,
                 bool accumulate, cudaStream_t stream) {
    launch(n_tok, w, rows, cols, xq, y, ldy, accumulate, stream);
}

}  // namespace sl::cuda
