// One weight block as float levels for the float-activation kernels: levels8(i) gives the integer
// levels of elements i..i+7 as floats, and per sub-block s a scale and an offset turn them into
// weights: w = scale[s] * level - offset[s]. Most formats go through their int8 unpack
// (unpack_avx2.h); the common 4- and 8-bit ones read their levels straight from the block, which
// skips the unpack's store and reload (Q4_0 and Q4_1 then keep their nibbles unsigned and move
// Q4_0's -8 into the offset, so the offset term costs one multiply per block with the x sums
// precomputed per call). Include only from *_avx2.cpp files.
#pragma once

#include <immintrin.h>

#include "cpu/quant/unpack_avx2.h"

namespace sl::cpu::avx2 {

inline __m256 signed_bytes8(const void* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(static_cast<const __m128i*>(p))));
}

// Eight nibbles as floats: the low (kHigh false) or high nibbles of eight bytes.
template <bool kHigh>
inline __m256 nibbles8(const uint8_t* p) {
    const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    const __m256i nibbles = kHigh ? _mm256_srli_epi32(bytes, 4) : _mm256_and_si256(bytes, _mm256_set1_epi32(0xF));
    return _mm256_cvtepi32_ps(nibbles);
}

// Called once a block's scales, offsets (and unpacked levels) are written: without it the compiler
// keeps them in registers and pulls out every 8 levels and every scale with shuffles, which compete
// with the conversions for the shuffle ports; read back from L1 they cost only loads (pmovsx and
// broadcast take their operand from memory).
inline void keep_in_memory() { asm volatile("" ::: "memory"); }

// Any format: the block unpacked to int8 levels first.
template <class D>
struct BlockLevels {
    static constexpr bool kHasOffset = D::kHasMin;
    alignas(32) int8_t q[D::kElems];
    float scale[D::kSubs];
    float offset[D::kSubs];

    void load(const uint8_t* block) {
        D::unpack(block, q, scale, offset);
        keep_in_memory();
    }
    __m256 levels8(int i) const { return signed_bytes8(q + i); }
};

// Legacy 4-bit blocks: element j in the low nibble of qs[j], element j + 16 in the high nibble.
template <class B>
struct LegacyNibbleLevels {
    static constexpr bool kHasOffset = true;
    const B* block;
    float scale[1];
    float offset[1];

    __m256 levels8(int i) const { return i < 16 ? nibbles8<false>(block->qs + i) : nibbles8<true>(block->qs + i - 16); }
};

template <>
struct BlockLevels<Decoder<SL_TYPE_Q4_0>> : LegacyNibbleLevels<BlockQ4_0> {
    void load(const uint8_t* raw) {
        block = reinterpret_cast<const BlockQ4_0*>(raw);
        scale[0] = _cvtsh_ss(block->d);
        offset[0] = 8.0f * scale[0];  // exact: a power-of-two multiple
        keep_in_memory();
    }
};

template <>
struct BlockLevels<Decoder<SL_TYPE_Q4_1>> : LegacyNibbleLevels<BlockQ4_1> {
    void load(const uint8_t* raw) {
        block = reinterpret_cast<const BlockQ4_1*>(raw);
        scale[0] = _cvtsh_ss(block->d);
        offset[0] = -_cvtsh_ss(block->m);
        keep_in_memory();
    }
};

template <>
struct BlockLevels<Decoder<SL_TYPE_Q8_0>> {
    static constexpr bool kHasOffset = false;
    const BlockQ8_0* block;
    float scale[1];
    float offset[1];

    void load(const uint8_t* raw) {
        block = reinterpret_cast<const BlockQ8_0*>(raw);
        scale[0] = _cvtsh_ss(block->d);
        keep_in_memory();
    }
    __m256 levels8(int i) const { return signed_bytes8(block->qs + i); }
};

// Q4_K: each 64 elements share 32 qs bytes, the first 32 in the low nibbles, the next 32 in the high.
template <>
struct BlockLevels<Decoder<SL_TYPE_Q4_K>> {
    static constexpr bool kHasOffset = true;
    const BlockQ4_K* block;
    float scale[8];
    float offset[8];

    void load(const uint8_t* raw) {
        block = reinterpret_cast<const BlockQ4_K*>(raw);
        k4_scales_mins(block->d, block->dmin, block->scales, scale, offset);
        keep_in_memory();
    }
    __m256 levels8(int i) const {
        const uint8_t* bytes = block->qs + 32 * (i / 64) + i % 32;
        return i % 64 < 32 ? nibbles8<false>(bytes) : nibbles8<true>(bytes);
    }
};

}  // namespace sl::cpu::avx2
