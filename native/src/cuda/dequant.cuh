// Element-wise decoding of every weight type, bit for bit as the CPU reference
// (cpu/quant/unpack.cpp + dequantize.cpp): value = scale * q - min in separately rounded float
// operations (__fmul_rn / __fsub_rn keep nvcc from fusing them into an FMA).
// Shared by dequantize_rows_f16 and get_rows.
#pragma once

#include "cuda/device_bits.cuh"
#include "sluice/sluice.h"

namespace sl::cuda {

__device__ __forceinline__ float affine(float scale, int q, float min) {
    return __fsub_rn(__fmul_rn(scale, float(q)), min);
}

template <sl_type T>
struct Dequant;

template <>
struct Dequant<SL_TYPE_F32> {
    static constexpr int kBlockElems = 1, kBlockBytes = 4;
    __device__ static float value(const uint8_t* b, int) { return *reinterpret_cast<const float*>(b); }
};
template <>
struct Dequant<SL_TYPE_F16> {
    static constexpr int kBlockElems = 1, kBlockBytes = 2;
    __device__ static float value(const uint8_t* b, int) { return half_at(b); }
};
template <>
struct Dequant<SL_TYPE_BF16> {
    static constexpr int kBlockElems = 1, kBlockBytes = 2;
    __device__ static float value(const uint8_t* b, int) {
        return __uint_as_float(uint32_t(*reinterpret_cast<const uint16_t*>(b)) << 16);
    }
};

// Legacy 4-bit: element e < 16 in the low nibble of qs[e], e >= 16 in the high nibble of qs[e - 16].
__device__ __forceinline__ int nibble(const uint8_t* qs, int e) { return e < 16 ? qs[e] & 15 : qs[e - 16] >> 4; }
// Legacy 5-bit: bit e of the little-endian qh word.
__device__ __forceinline__ int bit_of(const uint8_t* qh, int e) { return qh[e / 8] >> (e % 8) & 1; }

template <>
struct Dequant<SL_TYPE_Q4_0> {
    static constexpr int kBlockElems = 32, kBlockBytes = 18;
    __device__ static float value(const uint8_t* b, int e) { return affine(half_at(b), nibble(b + 2, e) - 8, 0.0f); }
};
template <>
struct Dequant<SL_TYPE_Q4_1> {
    static constexpr int kBlockElems = 32, kBlockBytes = 20;
    __device__ static float value(const uint8_t* b, int e) { return affine(half_at(b), nibble(b + 4, e), -half_at(b + 2)); }
};
template <>
struct Dequant<SL_TYPE_Q5_0> {
    static constexpr int kBlockElems = 32, kBlockBytes = 22;
    __device__ static float value(const uint8_t* b, int e) {
        return affine(half_at(b), (nibble(b + 6, e) | bit_of(b + 2, e) << 4) - 16, 0.0f);
    }
};
template <>
struct Dequant<SL_TYPE_Q5_1> {
    static constexpr int kBlockElems = 32, kBlockBytes = 24;
    __device__ static float value(const uint8_t* b, int e) {
        return affine(half_at(b), nibble(b + 8, e) | bit_of(b + 4, e) << 4, -half_at(b + 2));
    }
};
template <>
struct Dequant<SL_TYPE_Q8_0> {
    static constexpr int kBlockElems = 32, kBlockBytes = 34;
    __device__ static float value(const uint8_t* b, int e) { return affine(half_at(b), int8_t(b[2 + e]), 0.0f); }
};

// Q2_K / Q3_K: element 128h + 32k + l keeps its two low bits in qs[32h + l], bits 2k..2k+1.
__device__ __forceinline__ int two_bits(const uint8_t* qs, int e) {
    return qs[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32)) & 3;
}

template <>
struct Dequant<SL_TYPE_Q2_K> {
    static constexpr int kBlockElems = 256, kBlockBytes = 84;
    __device__ static float value(const uint8_t* b, int e) {
        const int sc = b[e / 16];
        return affine(__fmul_rn(half_at(b + 80), float(sc & 15)), two_bits(b + 16, e),
                      __fmul_rn(half_at(b + 82), float(sc >> 4)));
    }
};
template <>
struct Dequant<SL_TYPE_Q3_K> {
    static constexpr int kBlockElems = 256, kBlockBytes = 110;
    __device__ static float value(const uint8_t* b, int e) {
        const int high = b[e % 32] >> (4 * (e / 128) + e % 128 / 32) & 1;  // hmask
        return affine(__fmul_rn(half_at(b + 108), float(q3_K_scale(b + 96, e / 16))),
                      two_bits(b + 32, e) - (high ? 0 : 4), 0.0f);
    }
};

// Q4_K / Q5_K: element 64c + 32p + l sits in nibble p of qs[32c + l]; Q5_K's fifth bit is bit
// e / 32 of qh[e % 32].
template <bool kFiveBits>
struct DequantK4 {
    static constexpr int kBlockElems = 256, kBlockBytes = kFiveBits ? 176 : 144;
    __device__ static float value(const uint8_t* b, int e) {
        const uint8_t* qs = b + (kFiveBits ? 48 : 16);
        int q = qs[32 * (e / 64) + e % 32] >> (4 * (e % 64 / 32)) & 15;
        if constexpr (kFiveBits) q |= (b[16 + e % 32] >> (e / 32) & 1) << 4;
        int sc, mn;
        k4_scale_min(b + 4, e / 32, &sc, &mn);
        return affine(__fmul_rn(half_at(b), float(sc)), q, __fmul_rn(half_at(b + 2), float(mn)));
    }
};
template <>
struct Dequant<SL_TYPE_Q4_K> : DequantK4<false> {};
template <>
struct Dequant<SL_TYPE_Q5_K> : DequantK4<true> {};

// Q6_K: element 128h + 32m + l: low nibble in ql[64h + 32(m % 2) + l] (nibble m / 2), two high
// bits in qh[32h + l] at bits 2m; biased by 32; int8 scale per 16.
template <>
struct Dequant<SL_TYPE_Q6_K> {
    static constexpr int kBlockElems = 256, kBlockBytes = 210;
    __device__ static float value(const uint8_t* b, int e) {
        const int h = e / 128, m = e % 128 / 32, l = e % 32;
        const int low = b[64 * h + 32 * (m % 2) + l] >> (4 * (m / 2)) & 15;
        const int high = b[128 + 32 * h + l] >> (2 * m) & 3;
        const int scale = int8_t(b[192 + e / 16]);
        return affine(__fmul_rn(half_at(b + 208), float(scale)), (low | high << 4) - 32, 0.0f);
    }
};

// Element i of a row of type T.
template <sl_type T>
__device__ __forceinline__ float row_value(const uint8_t* row, int64_t i) {
    using D = Dequant<T>;
    return D::value(row + i / D::kBlockElems * D::kBlockBytes, int(i % D::kBlockElems));
}

}  // namespace sl::cuda
