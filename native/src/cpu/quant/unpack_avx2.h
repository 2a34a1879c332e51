// AVX2 decoders of the block layouts into the common unpacked form (unpack.h), as inline
// templates so the matmul kernels (matmul_avx2.cpp) compile each type's decoding into their loop.
// Include only from *_avx2.cpp files: everything here is compiled with -mavx2 and lives in its
// own namespace so no scalar file can ever link against it.
#pragma once

#include <immintrin.h>

#include "formats/block_layouts.h"
#include "sluice/sluice.h"

namespace sl::cpu::avx2 {

inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline void store32(int8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline __m256i bytes(int v) { return _mm256_set1_epi8(char(v)); }
// Bytes shifted right by n bits (an epi16 shift, then masked to the bits that stayed in each byte).
inline __m256i shift_right(__m256i v, int n, int mask) {
    return _mm256_and_si256(_mm256_srli_epi16(v, n), bytes(mask));
}
// `value` in every byte whose bit `bit` is set.
inline __m256i where_bit_set(__m256i v, int bit, int value) {
    const __m256i m = bytes(1 << bit);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, m), m), bytes(value));
}

// 16 bytes of legacy nibbles -> elements 0..15 (low nibbles) then 16..31 (high nibbles).
inline __m256i legacy_nibbles(const uint8_t* qs) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i mask = _mm_set1_epi8(0xF);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), mask), _mm_and_si128(v, mask));
}

// The 32 bits of a legacy qh word -> 0x10 in byte j where bit j is set.
inline __m256i legacy_fifth_bits(const uint8_t* qh) {
    uint32_t word;
    __builtin_memcpy(&word, qh, 4);
    // Byte j takes byte j / 8 of the word, then tests bit j % 8.
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(int(word)),
        _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
    const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), bytes(0x10));
}

// Eight bytes (unsigned, or signed when kSigned) plus bias, times factor, as eight floats.
template <bool kSigned>
inline void scaled_bytes(const uint8_t* p, int bias, float factor, float* out) {
    const __m128i eight = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    const __m256i ints = kSigned ? _mm256_cvtepi8_epi32(eight) : _mm256_cvtepu8_epi32(eight);
    const __m256 values = _mm256_cvtepi32_ps(_mm256_add_epi32(ints, _mm256_set1_epi32(bias)));
    _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_set1_ps(factor), values));
}

// The 6-bit scales of Q4_K/Q5_K (eight scales, then eight mins) or of Q3_K (sixteen), unpacked
// from their 12 bytes with 32-bit word masks: bytes 0..3 hold the low six bits of the first four
// values (or low nibbles for Q3_K), bytes 4..11 the rest as nibbles plus high bit pairs.
inline void k4_scale_bytes(const uint8_t* packed, uint8_t* out16) {
    uint32_t w[4];
    __builtin_memcpy(w, packed, 12);
    w[3] = ((w[2] >> 4) & 0x0f0f0f0f) | (((w[1] >> 6) & 0x03030303) << 4);  // mins 4..7
    const uint32_t mins_0_3 = w[1] & 0x3f3f3f3f;
    w[1] = (w[2] & 0x0f0f0f0f) | (((w[0] >> 6) & 0x03030303) << 4);         // scales 4..7
    w[2] = mins_0_3;
    w[0] &= 0x3f3f3f3f;                                                      // scales 0..3
    __builtin_memcpy(out16, w, 16);
}

inline void q3_K_scale_bytes(const uint8_t* packed, uint8_t* out16) {
    uint32_t w[4];
    __builtin_memcpy(w, packed, 12);
    const uint32_t high = w[2];
    w[2] = ((w[0] >> 4) & 0x0f0f0f0f) | (((high >> 4) & 0x03030303) << 4);
    w[3] = ((w[1] >> 4) & 0x0f0f0f0f) | (((high >> 6) & 0x03030303) << 4);
    w[0] = (w[0] & 0x0f0f0f0f) | (((high >> 0) & 0x03030303) << 4);
    w[1] = (w[1] & 0x0f0f0f0f) | (((high >> 2) & 0x03030303) << 4);
    __builtin_memcpy(out16, w, 16);
}

inline void zero_mins(float* min, int n) {
    for (int s = 0; s < n; s += 8) _mm256_storeu_ps(min + s, _mm256_setzero_ps());
}

// Compile-time geometry of a format, so each kernel is built for exactly one layout.
template <class B, int kBlockElems, int kSubBlockLen, bool kMin>
struct Geometry {
    using Block = B;
    static constexpr int kElems = kBlockElems;
    static constexpr int kSubLen = kSubBlockLen;
    static constexpr int kSubs = kBlockElems / kSubBlockLen;
    static constexpr bool kHasMin = kMin;
};

template <sl_type T>
struct Decoder;

template <>
struct Decoder<SL_TYPE_Q4_0> : Geometry<BlockQ4_0, kQK, kQK, false> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        store32(q, _mm256_sub_epi8(legacy_nibbles(b.qs), bytes(8)));
        scale[0] = _cvtsh_ss(b.d);
        min[0] = 0.0f;
    }
};

template <>
struct Decoder<SL_TYPE_Q4_1> : Geometry<BlockQ4_1, kQK, kQK, true> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        store32(q, legacy_nibbles(b.qs));
        scale[0] = _cvtsh_ss(b.d);
        min[0] = -_cvtsh_ss(b.m);
    }
};

template <>
struct Decoder<SL_TYPE_Q5_0> : Geometry<BlockQ5_0, kQK, kQK, false> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        store32(q, _mm256_sub_epi8(_mm256_or_si256(legacy_nibbles(b.qs), legacy_fifth_bits(b.qh)), bytes(16)));
        scale[0] = _cvtsh_ss(b.d);
        min[0] = 0.0f;
    }
};

template <>
struct Decoder<SL_TYPE_Q5_1> : Geometry<BlockQ5_1, kQK, kQK, true> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        store32(q, _mm256_or_si256(legacy_nibbles(b.qs), legacy_fifth_bits(b.qh)));
        scale[0] = _cvtsh_ss(b.d);
        min[0] = -_cvtsh_ss(b.m);
    }
};

template <>
struct Decoder<SL_TYPE_Q8_0> : Geometry<BlockQ8_0, kQK, kQK, false> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        store32(q, load32(b.qs));
        scale[0] = _cvtsh_ss(b.d);
        min[0] = 0.0f;
    }
};

// Q2_K / Q3_K: each half's 32 qs bytes hold four runs of 32 elements, two bits each.
template <>
struct Decoder<SL_TYPE_Q2_K> : Geometry<BlockQ2_K, kQK_K, 16, true> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        for (int half = 0; half < 2; ++half) {
            const __m256i qs = load32(b.qs + 32 * half);
            for (int k = 0; k < 4; ++k) store32(q + 128 * half + 32 * k, shift_right(qs, 2 * k, 3));
        }
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
        alignas(16) uint8_t levels[32];  // scale levels (low nibbles), then min levels (high nibbles)
        _mm_store_si128(reinterpret_cast<__m128i*>(levels), _mm_and_si128(packed, _mm_set1_epi8(0xF)));
        _mm_store_si128(reinterpret_cast<__m128i*>(levels + 16), _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0xF)));
        const float d = _cvtsh_ss(b.d), dmin = _cvtsh_ss(b.dmin);
        for (int s = 0; s < 16; s += 8) {
            scaled_bytes<false>(levels + s, 0, d, scale + s);
            scaled_bytes<false>(levels + 16 + s, 0, dmin, min + s);
        }
    }
};

template <>
struct Decoder<SL_TYPE_Q3_K> : Geometry<BlockQ3_K, kQK_K, 16, false> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        const __m256i hmask = load32(b.hmask);
        for (int half = 0; half < 2; ++half) {
            const __m256i qs = load32(b.qs + 32 * half);
            for (int k = 0; k < 4; ++k) {
                // A clear hmask bit means -4: subtract 4 where the bit is not set.
                const __m256i minus4 = _mm256_xor_si256(where_bit_set(hmask, 4 * half + k, 4), bytes(4));
                store32(q + 128 * half + 32 * k, _mm256_sub_epi8(shift_right(qs, 2 * k, 3), minus4));
            }
        }
        uint8_t levels[16];
        q3_K_scale_bytes(b.scales, levels);
        const float d = _cvtsh_ss(b.d);
        scaled_bytes<false>(levels, -32, d, scale);
        scaled_bytes<false>(levels + 8, -32, d, scale + 8);
        zero_mins(min, 16);
    }
};

inline void k4_scales_mins(uint16_t d_bits, uint16_t dmin_bits, const uint8_t* packed, float* scale, float* min) {
    uint8_t levels[16];
    k4_scale_bytes(packed, levels);
    scaled_bytes<false>(levels, 0, _cvtsh_ss(d_bits), scale);
    scaled_bytes<false>(levels + 8, 0, _cvtsh_ss(dmin_bits), min);
}

template <>
struct Decoder<SL_TYPE_Q4_K> : Geometry<BlockQ4_K, kQK_K, 32, true> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        for (int c = 0; c < 4; ++c) {
            const __m256i qs = load32(b.qs + 32 * c);
            store32(q + 64 * c, _mm256_and_si256(qs, bytes(0xF)));
            store32(q + 64 * c + 32, shift_right(qs, 4, 0xF));
        }
        k4_scales_mins(b.d, b.dmin, b.scales, scale, min);
    }
};

template <>
struct Decoder<SL_TYPE_Q5_K> : Geometry<BlockQ5_K, kQK_K, 32, true> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        const __m256i qh = load32(b.qh);
        for (int c = 0; c < 4; ++c) {
            const __m256i qs = load32(b.qs + 32 * c);
            store32(q + 64 * c, _mm256_or_si256(_mm256_and_si256(qs, bytes(0xF)), where_bit_set(qh, 2 * c, 0x10)));
            store32(q + 64 * c + 32, _mm256_or_si256(shift_right(qs, 4, 0xF), where_bit_set(qh, 2 * c + 1, 0x10)));
        }
        k4_scales_mins(b.d, b.dmin, b.scales, scale, min);
    }
};

template <>
struct Decoder<SL_TYPE_Q6_K> : Geometry<BlockQ6_K, kQK_K, 16, false> {
    static void unpack(const void* block, int8_t* q, float* scale, float* min) {
        const auto& b = *static_cast<const Block*>(block);
        for (int half = 0; half < 2; ++half) {
            const __m256i ql0 = load32(b.ql + 64 * half), ql1 = load32(b.ql + 64 * half + 32);
            const __m256i qh = load32(b.qh + 32 * half);
            const __m256i low[4] = {_mm256_and_si256(ql0, bytes(0xF)), _mm256_and_si256(ql1, bytes(0xF)),
                                    shift_right(ql0, 4, 0xF), shift_right(ql1, 4, 0xF)};
            for (int m = 0; m < 4; ++m) {
                // Bits 2m..2m+1 of qh moved to bits 4..5.
                const __m256i high = _mm256_slli_epi16(shift_right(qh, 2 * m, 3), 4);
                store32(q + 128 * half + 32 * m, _mm256_sub_epi8(_mm256_or_si256(low[m], high), bytes(32)));
            }
        }
        const float d = _cvtsh_ss(b.d);
        const auto* levels = reinterpret_cast<const uint8_t*>(b.scales);
        scaled_bytes<true>(levels, 0, d, scale);
        scaled_bytes<true>(levels + 8, 0, d, scale + 8);
        zero_mins(min, 16);
    }
};

// Calls Kernel<Decoder<type>>::run(args...) for a block-quantized weight type; false if it is not one.
template <template <class> class Kernel, class... Args>
bool with_decoder(sl_type type, Args&&... args) {
    switch (type) {
        case SL_TYPE_Q4_0: Kernel<Decoder<SL_TYPE_Q4_0>>::run(args...); return true;
        case SL_TYPE_Q4_1: Kernel<Decoder<SL_TYPE_Q4_1>>::run(args...); return true;
        case SL_TYPE_Q5_0: Kernel<Decoder<SL_TYPE_Q5_0>>::run(args...); return true;
        case SL_TYPE_Q5_1: Kernel<Decoder<SL_TYPE_Q5_1>>::run(args...); return true;
        case SL_TYPE_Q8_0: Kernel<Decoder<SL_TYPE_Q8_0>>::run(args...); return true;
        case SL_TYPE_Q2_K: Kernel<Decoder<SL_TYPE_Q2_K>>::run(args...); return true;
        case SL_TYPE_Q3_K: Kernel<Decoder<SL_TYPE_Q3_K>>::run(args...); return true;
        case SL_TYPE_Q4_K: Kernel<Decoder<SL_TYPE_Q4_K>>::run(args...); return true;
        case SL_TYPE_Q5_K: Kernel<Decoder<SL_TYPE_Q5_K>>::run(args...); return true;
        case SL_TYPE_Q6_K: Kernel<Decoder<SL_TYPE_Q6_K>>::run(args...); return true;
        default: return false;
    }
}

}  // namespace sl::cpu::avx2
