// AVX2 decoders of the block layouts into the common unpacked form (unpack.h): 32 elements per
// instruction instead of one. The bit positions are those of unpack.cpp, tested against it.
#include <immintrin.h>

#include "cpu/quant/unpack.h"

namespace sl::cpu {
namespace {

template <class Block>
const Block& as(const void* block) {
    return *static_cast<const Block*>(block);
}

__m256i load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
void store32(int8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
__m256i bytes(int v) { return _mm256_set1_epi8(char(v)); }
// Bytes shifted right by n bits (an epi16 shift, then masked to the bits that stayed in each byte).
__m256i shift_right(__m256i v, int n, int mask) { return _mm256_and_si256(_mm256_srli_epi16(v, n), bytes(mask)); }
// `value` in every byte whose bit `bit` is set.
__m256i where_bit_set(__m256i v, int bit, int value) {
    const __m256i m = bytes(1 << bit);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, m), m), bytes(value));
}

// 16 bytes of legacy nibbles -> elements 0..15 (low nibbles) then 16..31 (high nibbles).
__m256i legacy_nibbles(const uint8_t* qs) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i mask = _mm_set1_epi8(0xF);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), mask), _mm_and_si128(v, mask));
}

// The 32 bits of a legacy qh word -> 0x10 in byte j where bit j is set.
__m256i legacy_fifth_bits(const uint8_t* qh) {
    uint32_t word;
    __builtin_memcpy(&word, qh, 4);
    // Byte j takes byte j / 8 of the word, then tests bit j % 8.
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(int(word)),
        _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
    const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), bytes(0x10));
}

void legacy_scales(uint16_t d, float* scale, float* min) {
    scale[0] = _cvtsh_ss(d);
    min[0] = 0.0f;
}
void legacy_scales(uint16_t d, uint16_t m, float* scale, float* min) {
    scale[0] = _cvtsh_ss(d);
    min[0] = -_cvtsh_ss(m);
}

void unpack_q4_0(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ4_0>(block);
    store32(q, _mm256_sub_epi8(legacy_nibbles(b.qs), bytes(8)));
    legacy_scales(b.d, scale, min);
}

void unpack_q4_1(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ4_1>(block);
    store32(q, legacy_nibbles(b.qs));
    legacy_scales(b.d, b.m, scale, min);
}

void unpack_q5_0(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ5_0>(block);
    store32(q, _mm256_sub_epi8(_mm256_or_si256(legacy_nibbles(b.qs), legacy_fifth_bits(b.qh)), bytes(16)));
    legacy_scales(b.d, scale, min);
}

void unpack_q5_1(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ5_1>(block);
    store32(q, _mm256_or_si256(legacy_nibbles(b.qs), legacy_fifth_bits(b.qh)));
    legacy_scales(b.d, b.m, scale, min);
}

void unpack_q8_0(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ8_0>(block);
    store32(q, load32(reinterpret_cast<const uint8_t*>(b.qs)));
    legacy_scales(b.d, scale, min);
}

// Q2_K / Q3_K: each half's 32 qs bytes hold four runs of 32 elements, two bits each.
void unpack_q2_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ2_K>(block);
    for (int half = 0; half < 2; ++half) {
        const __m256i qs = load32(b.qs + 32 * half);
        for (int k = 0; k < 4; ++k) store32(q + 128 * half + 32 * k, shift_right(qs, 2 * k, 3));
    }
    q2_K_scales(b, scale, min);
}

void unpack_q3_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ3_K>(block);
    const __m256i hmask = load32(b.hmask);
    for (int half = 0; half < 2; ++half) {
        const __m256i qs = load32(b.qs + 32 * half);
        for (int k = 0; k < 4; ++k) {
            // A clear hmask bit means -4: subtract 4 where the bit is not set.
            const __m256i minus4 = _mm256_xor_si256(where_bit_set(hmask, 4 * half + k, 4), bytes(4));
            store32(q + 128 * half + 32 * k, _mm256_sub_epi8(shift_right(qs, 2 * k, 3), minus4));
        }
    }
    q3_K_scales(b, scale, min);
}

void unpack_q4_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ4_K>(block);
    for (int c = 0; c < 4; ++c) {
        const __m256i qs = load32(b.qs + 32 * c);
        store32(q + 64 * c, _mm256_and_si256(qs, bytes(0xF)));
        store32(q + 64 * c + 32, shift_right(qs, 4, 0xF));
    }
    k4_scales(b.d, b.dmin, b.scales, scale, min);
}

void unpack_q5_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ5_K>(block);
    const __m256i qh = load32(b.qh);
    for (int c = 0; c < 4; ++c) {
        const __m256i qs = load32(b.qs + 32 * c);
        store32(q + 64 * c, _mm256_or_si256(_mm256_and_si256(qs, bytes(0xF)), where_bit_set(qh, 2 * c, 0x10)));
        store32(q + 64 * c + 32, _mm256_or_si256(shift_right(qs, 4, 0xF), where_bit_set(qh, 2 * c + 1, 0x10)));
    }
    k4_scales(b.d, b.dmin, b.scales, scale, min);
}

void unpack_q6_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ6_K>(block);
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
    q6_K_scales(b, scale, min);
}

}  // namespace

UnpackFn avx2_unpacker(sl_type type) {
    switch (type) {
        case SL_TYPE_Q4_0: return unpack_q4_0;
        case SL_TYPE_Q4_1: return unpack_q4_1;
        case SL_TYPE_Q5_0: return unpack_q5_0;
        case SL_TYPE_Q5_1: return unpack_q5_1;
        case SL_TYPE_Q8_0: return unpack_q8_0;
        case SL_TYPE_Q2_K: return unpack_q2_K;
        case SL_TYPE_Q3_K: return unpack_q3_K;
        case SL_TYPE_Q4_K: return unpack_q4_K;
        case SL_TYPE_Q5_K: return unpack_q5_K;
        case SL_TYPE_Q6_K: return unpack_q6_K;
        default: return nullptr;
    }
}

}  // namespace sl::cpu
