// Int8 dot products of weight blocks with Q8_1 activations, one per block-quantized type (the math
// of ggml's vec_dot_*_q8_1). The matvec kernel stages both in shared memory; these read from there.
//
// A weight block is split into kParts parts, each handled by one lane: `dot` adds part `part` of
// the block at `w` times the activations to acc[t] for every token t. `x` is token 0's Q8_1 block
// holding the weight block's first element; token t's copy lies t * kChunkQ8Bytes further.
//
// Quants become signed bytes and meet dp4a exactly. Only the types whose min spans a whole Q8_1
// block (Q4_1, Q5_1, Q4_K, Q5_K) take that block's sum of activations from its fp16 s, as ggml does.
#pragma once

#include "cuda/device_bits.cuh"
#include "formats/block_layouts.h"
#include "sluice/sluice.h"

namespace sl::cuda {

// Columns of one staged chunk (a multiple of every block size) and its Q8_1 bytes per token.
inline constexpr int kChunkCols = 2048;
inline constexpr int kChunkQ8Bytes = kChunkCols / 32 * 36;

template <sl_type T>
struct QuantDot;

// ---- Legacy types: one lane per 32-element block ----

// The int8 dot product of a legacy block's 32 values (lo: elements 0..15, hi: 16..31, four to an
// int) with one Q8_1 block of activations.
__device__ __forceinline__ int dot_q8_1_block(const int (&lo)[4], const int (&hi)[4], const uint8_t* xt) {
    int sum = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i) sum = __dp4a(hi[i], q8_1_int(xt, 4 + i), __dp4a(lo[i], q8_1_int(xt, i), sum));
    return sum;
}

// (Q4_0 and Q8_0 rows of whole 256-column groups read straight into registers: matvec_legacy.cu.)
template <>
struct QuantDot<SL_TYPE_Q4_0> {
    static constexpr int kBlockElems = 32, kBlockBytes = sizeof(BlockQ4_0), kParts = 1;
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int, const uint8_t* x, float (&acc)[NTOK]) {
        uint32_t q[4];
        load_words<4, false>(w + 2, q);
        int lo[4], hi[4];  // elements 4i.. and 16 + 4i..; their -8 from the block sum s, as ggml does
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            lo[i] = int(q[i] & 0x0F0F0F0Fu);
            hi[i] = int(q[i] >> 4 & 0x0F0F0F0Fu);
        }
        const float d = half_at(w);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xt = x + t * kChunkQ8Bytes;
            const int sum = dot_q8_1_block(lo, hi, xt);
            acc[t] += d * fmaf(half_at(xt), float(sum), -8.0f * half_at(xt + 2));
        }
    }
};

template <>
struct QuantDot<SL_TYPE_Q4_1> {
    static constexpr int kBlockElems = 32, kBlockBytes = sizeof(BlockQ4_1), kParts = 1;
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int, const uint8_t* x, float (&acc)[NTOK]) {
        uint32_t q[4];
        load_words<4, true>(w + 4, q);
        int lo[4], hi[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            lo[i] = int(q[i] & 0x0F0F0F0Fu);
            hi[i] = int(q[i] >> 4 & 0x0F0F0F0Fu);
        }
        const float d = half_at(w), m = half_at(w + 2);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xt = x + t * kChunkQ8Bytes;
            const int sum = dot_q8_1_block(lo, hi, xt);
            acc[t] += d * half_at(xt) * float(sum) + m * half_at(xt + 2);
        }
    }
};

template <>
struct QuantDot<SL_TYPE_Q5_0> {
    static constexpr int kBlockElems = 32, kBlockBytes = sizeof(BlockQ5_0), kParts = 1;
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int, const uint8_t* x, float (&acc)[NTOK]) {
        uint32_t qh[1], q[4];
        load_words<1, false>(w + 2, qh);
        load_words<4, false>(w + 6, q);
        int lo[4], hi[4];  // minus 16
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            lo[i] = sub_bytes((q[i] & 0x0F0F0F0Fu) | spread4_to_bit4(qh[0] >> (4 * i)), 0x10101010u);
            hi[i] = sub_bytes((q[i] >> 4 & 0x0F0F0F0Fu) | spread4_to_bit4(qh[0] >> (16 + 4 * i)), 0x10101010u);
        }
        const float d = half_at(w);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xt = x + t * kChunkQ8Bytes;
            const int sum = dot_q8_1_block(lo, hi, xt);
            acc[t] += d * half_at(xt) * float(sum);
        }
    }
};

template <>
struct QuantDot<SL_TYPE_Q5_1> {
    static constexpr int kBlockElems = 32, kBlockBytes = sizeof(BlockQ5_1), kParts = 1;
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int, const uint8_t* x, float (&acc)[NTOK]) {
        uint32_t qh[1], q[4];
        load_words<1, true>(w + 4, qh);
        load_words<4, true>(w + 8, q);
        int lo[4], hi[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            lo[i] = int((q[i] & 0x0F0F0F0Fu) | spread4_to_bit4(qh[0] >> (4 * i)));
            hi[i] = int((q[i] >> 4 & 0x0F0F0F0Fu) | spread4_to_bit4(qh[0] >> (16 + 4 * i)));
        }
        const float d = half_at(w), m = half_at(w + 2);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xt = x + t * kChunkQ8Bytes;
            const int sum = dot_q8_1_block(lo, hi, xt);
            acc[t] += d * half_at(xt) * float(sum) + m * half_at(xt + 2);
        }
    }
};

template <>
struct QuantDot<SL_TYPE_Q8_0> {
    static constexpr int kBlockElems = 32, kBlockBytes = sizeof(BlockQ8_0), kParts = 1;
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int, const uint8_t* x, float (&acc)[NTOK]) {
        uint32_t q[8];
        load_words<8, false>(w + 2, q);
        const float d = half_at(w);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xt = x + t * kChunkQ8Bytes;
            int sum = 0;
#pragma unroll
            for (int i = 0; i < 8; ++i) sum = __dp4a(int(q[i]), q8_1_int(xt, i), sum);
            acc[t] += d * half_at(xt) * float(sum);
        }
    }
};

// ---- K-quants (256-element super-blocks) ----

// Q2_K: part j = one Q8_1 block (elements 32j..32j+31, h = j / 4 selects the half of qs, k = j % 4
// the 2-bit field), two sub-blocks of 16 with a 4-bit scale and min each.
template <>
struct QuantDot<SL_TYPE_Q2_K> {
    static constexpr int kBlockElems = 256, kBlockBytes = sizeof(BlockQ2_K), kParts = 8;
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int j, const uint8_t* x, float (&acc)[NTOK]) {
        const int h = j / 4, k = j % 4;
        uint32_t q[8];
        load_words<8, true>(w + 16 + 32 * h, q);
        int v[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) v[i] = int(q[i] >> (2 * k) & 0x03030303u);
        const int sa = w[2 * j], sb = w[2 * j + 1];  // sub-blocks 8h + 2k = 2j and 2j + 1
        const float d = half_at(w + 80), dmin = half_at(w + 82);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xt = x + t * kChunkQ8Bytes + 36 * j;
            int dot_a = 0, dot_b = 0, sum_a = 0, sum_b = 0;
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const int xa = q8_1_int(xt, i), xb = q8_1_int(xt, 4 + i);
                dot_a = __dp4a(v[i], xa, dot_a);
                dot_b = __dp4a(v[4 + i], xb, dot_b);
                sum_a = __dp4a(0x01010101, xa, sum_a);
                sum_b = __dp4a(0x01010101, xb, sum_b);
            }
            const int scaled = (sa & 15) * dot_a + (sb & 15) * dot_b;
            const int mins = (sa >> 4) * sum_a + (sb >> 4) * sum_b;
            acc[t] += half_at(xt) * (d * float(scaled) - dmin * float(mins));
        }
    }
};

// Q3_K: part j as for Q2_K; the third bit (clear: -4) of element 128h + 32k + l is bit 4h + k of
// hmask[l]; sixteen 6-bit scales biased by 32.
template <>
struct QuantDot<SL_TYPE_Q3_K> {
    static constexpr int kBlockElems = 256, kBlockBytes = sizeof(BlockQ3_K), kParts = 8;
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int j, const uint8_t* x, float (&acc)[NTOK]) {
        const int h = j / 4, k = j % 4;
        uint32_t q[8], m[8];
        load_words<8, false>(w + 32 + 32 * h, q);
        load_words<8, false>(w, m);
        int v[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const uint32_t minus4 = (~(m[i] >> (4 * h + k)) & 0x01010101u) << 2;
            v[i] = sub_bytes(q[i] >> (2 * k) & 0x03030303u, minus4);
        }
        const int sa = q3_K_scale(w + 96, 2 * j), sb = q3_K_scale(w + 96, 2 * j + 1);
        const float d = half_at(w + 108);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xt = x + t * kChunkQ8Bytes + 36 * j;
            int dot_a = 0, dot_b = 0;
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                dot_a = __dp4a(v[i], q8_1_int(xt, i), dot_a);
                dot_b = __dp4a(v[4 + i], q8_1_int(xt, 4 + i), dot_b);
            }
            acc[t] += d * half_at(xt) * float(sa * dot_a + sb * dot_b);
        }
    }
};

// Q5_K part c (0..3) = elements 64c..64c+63: the 32 bytes qs[32c..], low nibbles for sub-block
// 2c, high for 2c + 1, plus bit 2c / 2c + 1 of qh[l]. Blocks are 16-byte aligned: vector loads.
// (Q4_K, the same without qh, reads straight into registers: matvec_q4_k.cu.)
template <>
struct QuantDot<SL_TYPE_Q5_K> {
    static constexpr int kBlockElems = 256, kParts = 4;
    static constexpr int kBlockBytes = sizeof(BlockQ5_K);
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int c, const uint8_t* x, float (&acc)[NTOK]) {
        const uint4* qs = reinterpret_cast<const uint4*>(w + 48 + 32 * c);
        const uint4 q0 = qs[0], q1 = qs[1];
        const uint32_t q[8] = {q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w};
        int lo[8], hi[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            lo[i] = int(q[i] & 0x0F0F0F0Fu);
            hi[i] = int(q[i] >> 4 & 0x0F0F0F0Fu);
        }
        const uint4* qh = reinterpret_cast<const uint4*>(w + 16);
        const uint4 h0 = qh[0], h1 = qh[1];
        const uint32_t hb[8] = {h0.x, h0.y, h0.z, h0.w, h1.x, h1.y, h1.z, h1.w};
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            lo[i] |= int((hb[i] >> (2 * c) & 0x01010101u) << 4);
            hi[i] |= int((hb[i] >> (2 * c + 1) & 0x01010101u) << 4);
        }
        int sc0, m0, sc1, m1;
        k4_scale_min(w + 4, 2 * c, &sc0, &m0);
        k4_scale_min(w + 4, 2 * c + 1, &sc1, &m1);
        const float d = half_at(w), dmin = half_at(w + 2);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xa = x + t * kChunkQ8Bytes + 36 * (2 * c);
            const uint8_t* xb = xa + 36;
            int dot_a = 0, dot_b = 0;
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                dot_a = __dp4a(lo[i], q8_1_int(xa, i), dot_a);
                dot_b = __dp4a(hi[i], q8_1_int(xb, i), dot_b);
            }
            acc[t] += d * (half_at(xa) * float(sc0 * dot_a) + half_at(xb) * float(sc1 * dot_b)) -
                      dmin * (float(m0) * half_at(xa + 2) + float(m1) * half_at(xb + 2));
        }
    }
};

// Q6_K: part j (0..3): h = j / 2 and p = j % 2 select ql[64h + 32p + l], whose low nibbles are
// elements 128h + 32p + l and high nibbles 128h + 32(p + 2) + l; their two high bits sit in
// qh[32h + l] at bits 2p and 2p + 4. Sub-blocks of 16 with int8 scales; quants biased by 32.
// (Rows of whole 2048-column groups read straight into registers: matvec_q6_k.cu.)
template <>
struct QuantDot<SL_TYPE_Q6_K> {
    static constexpr int kBlockElems = 256, kBlockBytes = sizeof(BlockQ6_K), kParts = 4;
    template <int NTOK>
    __device__ static void dot(const uint8_t* w, int j, const uint8_t* x, float (&acc)[NTOK]) {
        const int h = j / 2, p = j % 2;
        uint32_t ql[8], qh[8];
        load_words<8, false>(w + 64 * h + 32 * p, ql);
        load_words<8, false>(w + 128 + 32 * h, qh);
        int lo[8], hi[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            lo[i] = sub_bytes((ql[i] & 0x0F0F0F0Fu) | (qh[i] >> (2 * p) & 0x03030303u) << 4, 0x20202020u);
            hi[i] = sub_bytes((ql[i] >> 4 & 0x0F0F0F0Fu) | (qh[i] >> (2 * p + 4) & 0x03030303u) << 4, 0x20202020u);
        }
        const auto* scales = reinterpret_cast<const int8_t*>(w + 192 + 8 * h + 2 * p);  // s = 8h + 2m + l / 16
        const int s_lo0 = scales[0], s_lo1 = scales[1], s_hi0 = scales[4], s_hi1 = scales[5];
        const float d = half_at(w + 208);
#pragma unroll
        for (int t = 0; t < NTOK; ++t) {
            const uint8_t* xa = x + t * kChunkQ8Bytes + 36 * (4 * h + p);  // Q8_1 block 4h + m
            const uint8_t* xb = xa + 2 * 36;
            int a0 = 0, a1 = 0, b0 = 0, b1 = 0;
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                a0 = __dp4a(lo[i], q8_1_int(xa, i), a0);
                a1 = __dp4a(lo[4 + i], q8_1_int(xa, 4 + i), a1);
                b0 = __dp4a(hi[i], q8_1_int(xb, i), b0);
                b1 = __dp4a(hi[4 + i], q8_1_int(xb, 4 + i), b1);
            }
            acc[t] += d * (half_at(xa) * float(s_lo0 * a0 + s_lo1 * a1) + half_at(xb) * float(s_hi0 * b0 + s_hi1 * b1));
        }
    }
};

}  // namespace sl::cuda
