// The 8-bit activation matmul (matmul_rows_q8) for x86, written once over an instruction-set
// policy and compiled per instruction set: IsaAvx2 in matmul_avx2.cpp (maddubs + madd), IsaVnni in
// matmul_avx512vnni.cpp (vpdpbusd / vpdpwssd on ymm registers, and 32 of them).
//
// Weights are read straight from their blocks into registers as unsigned byte levels (no unpack
// to memory), multiplied with the int8 activations into int32 sums, and turned into floats once per
// block (legacy types: 32 elements) or super-block (K types: 256). Whatever a format subtracts from
// its levels (Q4_0's 8, Q6_K's 32) or its mins meet sums of the activations instead of every
// weight: Q8_K carries them (bsums), for Q8_0 they are computed once per call. Every block of a row
// is applied to up to Isa::kTile tokens while it is in registers; more tokens re-read the row from
// L1. Rows are streamed in order with a software prefetch a fixed distance ahead.
//
// Include only from the instruction-set files: everything here has internal linkage, so no copy
// compiled for one instruction set can be picked by the linker for another.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "cpu/quant/scratch.h"
#include "formats/block_layouts.h"
#include "sluice/sluice.h"

namespace sl::cpu {
namespace {

// Bytes ahead of the block being read that the kernels prefetch (into L1).
constexpr int kQ8PrefetchBytes = 2048;

inline __m256i q8_load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m256i q8_bytes(int v) { return _mm256_set1_epi8(char(v)); }
inline float q8_half(uint16_t h) { return _cvtsh_ss(h); }
inline void q8_prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }

inline float q8_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// ---- Instruction-set policies ---------------------------------------------------------------
// dot_scaled: acc + sum over pairs of (u * s) * scale16, per int32 lane (u unsigned bytes, s signed
//   bytes, scale16 int16 per pair); exact while each pair u0*s0 + u1*s1 fits int16 (|u| <= 128).
// dot4: acc + sum of four u * s per int32 lane; `kWideUnsigned` says u may use all 8 bits
//   (vpdpbusd never saturates; maddubs does beyond 128 * 127 * 2).

struct IsaAvx2 {
    static constexpr int kTile = 4;  // 16 ymm registers
    static constexpr bool kWideUnsigned = false;
    static __m256i dot_scaled(__m256i acc, __m256i u, __m256i s, __m256i scale16) {
        return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), scale16));
    }
    static __m256i dot4(__m256i acc, __m256i u, __m256i s) {
        return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
    }
};

#ifdef SLUICE_Q8_VNNI
struct IsaVnni {
    static constexpr int kTile = 8;  // 32 ymm registers with AVX-512VL
    static constexpr bool kWideUnsigned = true;
    static __m256i dot_scaled(__m256i acc, __m256i u, __m256i s, __m256i scale16) {
        return _mm256_dpwssd_epi32(acc, _mm256_maddubs_epi16(u, s), scale16);
    }
    static __m256i dot4(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_epi32(acc, u, s); }
};
#endif

// Calls Kernel::template tile<NT>(t0, args...) over the tokens: NT = kTile while that many remain,
// then the rest.
template <int kTile, class Kernel, class... Args>
void q8_token_tiles(int64_t n_tok, const Args&... args) {
    int64_t t0 = 0;
    for (; t0 + kTile <= n_tok; t0 += kTile) Kernel::template tile<kTile>(t0, args...);
    const int64_t rest = n_tok - t0;
    if constexpr (kTile > 4) {
        if (rest >= 4) {
            switch (rest) {
                case 7: Kernel::template tile<7>(t0, args...); return;
                case 6: Kernel::template tile<6>(t0, args...); return;
                case 5: Kernel::template tile<5>(t0, args...); return;
                default: Kernel::template tile<4>(t0, args...); return;
            }
        }
    }
    switch (rest) {
        case 3: Kernel::template tile<3>(t0, args...); break;
        case 2: Kernel::template tile<2>(t0, args...); break;
        case 1: Kernel::template tile<1>(t0, args...); break;
        default: break;
    }
}

// ---- Legacy formats (32-element blocks) against Q8_0 activations -----------------------------

// One Q8_0 activation block as the kernels use it: its scale as a float, and the int32 added to
// each of the eight lanes of a dot product over unsigned levels so that their sum becomes the dot
// product over the signed weights: -(offset / 8) * sum(x).
struct LegacyX {
    float d;
    int32_t correction;
    float dsum;  // d * sum(x), for the formats with a min (Q4_1, Q5_1)
};

// Sum of the 32 quants of one Q8_0 block.
inline int32_t q8_block_sum(const int8_t* qs) {
    const __m256i pairs = _mm256_maddubs_epi16(q8_bytes(1), q8_load(qs));
    const __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(quads), _mm256_extracti128_si256(quads, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// 16 bytes of legacy nibbles -> elements 0..15 (low nibbles) then 16..31 (high nibbles), as bytes
// 0..15: the 16 bytes in both halves, the upper half shifted right by 4 bits, then masked.
inline __m256i q8_legacy_nibbles(const uint8_t* qs) {
    const __m256i both = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
    return _mm256_and_si256(_mm256_srlv_epi64(both, _mm256_set_epi64x(4, 4, 0, 0)), q8_bytes(0xF));
}

// The 32 bits of a legacy qh word -> 0x10 in byte j where bit j is set.
inline __m256i q8_legacy_fifth_bits(const uint8_t* qh) {
    uint32_t word;
    __builtin_memcpy(&word, qh, 4);
    // Byte j takes byte j / 8 of the word, then tests bit j % 8.
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(int(word)),
        _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
    const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), q8_bytes(0x10));
}

// Per format: `levels` gives 32 unsigned levels (or, with kSigned, the signed weights, met with the
// sign trick), kOffset what the format subtracts from them.
template <sl_type T, class Isa>
struct LegacyFormat;

template <class Isa>
struct LegacyFormat<SL_TYPE_Q4_0, Isa> {
    using Block = BlockQ4_0;
    static constexpr bool kSigned = false, kHasMin = false;
    static constexpr int kOffset = 8;
    static __m256i levels(const Block& b) { return q8_legacy_nibbles(b.qs); }
};

template <class Isa>
struct LegacyFormat<SL_TYPE_Q5_0, Isa> {
    using Block = BlockQ5_0;
    static constexpr bool kSigned = false, kHasMin = false;
    static constexpr int kOffset = 16;
    static __m256i levels(const Block& b) { return _mm256_or_si256(q8_legacy_nibbles(b.qs), q8_legacy_fifth_bits(b.qh)); }
};

// value = d * q + m
template <class Isa>
struct LegacyFormat<SL_TYPE_Q4_1, Isa> {
    using Block = BlockQ4_1;
    static constexpr bool kSigned = false, kHasMin = true;
    static constexpr int kOffset = 0;
    static __m256i levels(const Block& b) { return q8_legacy_nibbles(b.qs); }
};

template <class Isa>
struct LegacyFormat<SL_TYPE_Q5_1, Isa> {
    using Block = BlockQ5_1;
    static constexpr bool kSigned = false, kHasMin = true;
    static constexpr int kOffset = 0;
    static __m256i levels(const Block& b) { return _mm256_or_si256(q8_legacy_nibbles(b.qs), q8_legacy_fifth_bits(b.qh)); }
};

template <class Isa>
struct LegacyFormat<SL_TYPE_Q8_0, Isa> {
    using Block = BlockQ8_0;
    // maddubs would saturate on w + 128: without VNNI, |w| times x with w's sign (exact: the
    // activations never hold -128).
    static constexpr bool kSigned = !Isa::kWideUnsigned, kHasMin = false;
    static constexpr int kOffset = kSigned ? 0 : 128;
    static __m256i levels(const Block& b) {
        const __m256i w = q8_load(b.qs);
        return kSigned ? w : _mm256_xor_si256(w, q8_bytes(0x80));  // w + 128 as unsigned bytes
    }
};

template <class Isa, sl_type T>
struct LegacyKernel {
    using F = LegacyFormat<T, Isa>;
    using Block = typename F::Block;

    static void run(const void* W, int64_t cols, const void* Xq, int64_t ldxq, int64_t n_tok, float* Y, int64_t ldy,
                    int64_t r0, int64_t r1) {
        const int64_t nb = cols / kQK;
        auto* xs = static_cast<LegacyX*>(thread_scratch(ScratchSlot::kSubBlockSums, size_t(n_tok * nb) * sizeof(LegacyX)));
        for (int64_t t = 0; t < n_tok; ++t) {
            const auto* x = reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(Xq) + t * ldxq);
            for (int64_t b = 0; b < nb; ++b) {
                const float d = q8_half(x[b].d);
                const int32_t sum = F::kOffset || F::kHasMin ? q8_block_sum(x[b].qs) : 0;
                xs[t * nb + b] = {d, -(F::kOffset / 8) * sum, d * float(sum)};
            }
        }
        const auto* rows = static_cast<const Block*>(W);
        for (int64_t r = r0; r < r1; ++r) {
            q8_token_tiles<Isa::kTile, LegacyKernel>(n_tok, rows + r * nb, nb, static_cast<const uint8_t*>(Xq), ldxq,
                                                      static_cast<const LegacyX*>(xs), Y, ldy, r);
        }
    }

    template <int NT>
    static void tile(int64_t t0, const Block* row, int64_t nb, const uint8_t* Xq, int64_t ldxq, const LegacyX* xs,
                     float* Y, int64_t ldy, int64_t r) {
        constexpr int C = NT == 1 ? 2 : 1;  // a lone token alternates two chains of float adds
        const BlockQ8_0* x[NT];
        const LegacyX* s[NT];
        __m256 acc[NT][C];
        float min_terms[NT];
        for (int t = 0; t < NT; ++t) {
            x[t] = reinterpret_cast<const BlockQ8_0*>(Xq + (t0 + t) * ldxq);
            s[t] = xs + (t0 + t) * nb;
            for (int c = 0; c < C; ++c) acc[t][c] = _mm256_setzero_ps();
            min_terms[t] = 0.0f;
        }
        const auto block = [&](int64_t b, int c) {
            q8_prefetch(reinterpret_cast<const uint8_t*>(row + b) + kQ8PrefetchBytes);
            const __m256i u = F::levels(row[b]);
            const __m256 dw = _mm256_set1_ps(q8_half(row[b].d));
            [[maybe_unused]] __m256i w_abs;
            if constexpr (F::kSigned) w_abs = _mm256_abs_epi8(u);
            [[maybe_unused]] float m;
            if constexpr (F::kHasMin) m = q8_half(row[b].m);
            for (int t = 0; t < NT; ++t) {
                const __m256i xq = q8_load(x[t][b].qs);
                __m256i dot;
                if constexpr (F::kSigned) {
                    dot = Isa::dot4(_mm256_setzero_si256(), w_abs, _mm256_sign_epi8(xq, u));
                } else {
                    dot = Isa::dot4(_mm256_set1_epi32(s[t][b].correction), u, xq);
                }
                acc[t][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw, _mm256_set1_ps(s[t][b].d)), acc[t][c]);
                if constexpr (F::kHasMin) min_terms[t] += m * s[t][b].dsum;
            }
        };
        int64_t b = 0;
        for (; b + C <= nb; b += C)
            for (int c = 0; c < C; ++c) block(b + c, c);
        for (; b < nb; ++b) block(b, 0);
        for (int t = 0; t < NT; ++t) {
            for (int c = 1; c < C; ++c) acc[t][0] = _mm256_add_ps(acc[t][0], acc[t][c]);
            Y[(t0 + t) * ldy + r] = q8_hsum(acc[t][0]) + min_terms[t];
        }
    }
};

// ---- K formats (256-element super-blocks) against Q8_K activations ---------------------------

// Per format, for one super-block: prepare() reads the scales; levels(j) gives the 32 unsigned
// levels of elements 32j..32j+31, scale16(j) the int16 scale of each of their pairs; kHasMin: a
// float dmin times mins16 (one int16 per 16 activations) against bsums; kOffset: a level offset
// removed exactly through sum_j scale_j * bsum_j (offset16, one per 16 activations).

// The 6-bit scales and mins of Q4_K/Q5_K from their 12 bytes: bytes 0..7 scales, 8..15 mins.
inline __m128i q8_k4_scales(const uint8_t* packed) {
    uint32_t w[4];
    __builtin_memcpy(w, packed, 12);
    w[3] = ((w[2] >> 4) & 0x0f0f0f0f) | (((w[1] >> 6) & 0x03030303) << 4);  // mins 4..7
    const uint32_t mins_0_3 = w[1] & 0x3f3f3f3f;
    w[1] = (w[2] & 0x0f0f0f0f) | (((w[0] >> 6) & 0x03030303) << 4);         // scales 4..7
    w[2] = mins_0_3;
    w[0] &= 0x3f3f3f3f;                                                      // scales 0..3
    // Inserted from registers: a 16-byte load of four 4-byte stores would miss store forwarding.
    return _mm_setr_epi32(int(w[0]), int(w[1]), int(w[2]), int(w[3]));
}

// Sixteen int16 scales, one per 16 elements: scale16(j) gives elements 32j..32j+15 (lanes 0..3 of
// a dot product) scale 2j and elements 32j+16.. (lanes 4..7) scale 2j + 1.
struct Scales16 {
    __m256i all;     // s0..s7 | s8..s15
    __m256i lo, hi;  // s0..s7 in both halves, s8..s15 in both halves
    void set(__m256i scales) {
        all = scales;
        lo = _mm256_permute4x64_epi64(scales, 0x44);
        hi = _mm256_permute4x64_epi64(scales, 0xEE);
    }
    __m256i at(int j) const {
        const int k = j % 4;
        const __m256i control = _mm256_set_m128i(_mm_set1_epi16(short(((4 * k + 3) << 8) | (4 * k + 2))),
                                                 _mm_set1_epi16(short(((4 * k + 1) << 8) | (4 * k))));
        return _mm256_shuffle_epi8(j < 4 ? lo : hi, control);
    }
};

// Bit `from` of every byte moved to bit `to` (others cleared), with 16-bit shifts: the bits that
// cross into a neighbouring byte never land on bit `to`.
template <int kFrom, int kTo>
inline __m256i q8_move_bit(__m256i v) {
    __m256i moved;
    if constexpr (kFrom < kTo) moved = _mm256_slli_epi16(v, kTo - kFrom);
    else if constexpr (kFrom > kTo) moved = _mm256_srli_epi16(v, kFrom - kTo);
    else moved = v;
    return _mm256_and_si256(moved, q8_bytes(1 << kTo));
}

template <int kTo>
inline __m256i q8_move_bit(__m256i v, int from) {
    switch (from) {
        case 0: return q8_move_bit<0, kTo>(v);
        case 1: return q8_move_bit<1, kTo>(v);
        case 2: return q8_move_bit<2, kTo>(v);
        case 3: return q8_move_bit<3, kTo>(v);
        case 4: return q8_move_bit<4, kTo>(v);
        case 5: return q8_move_bit<5, kTo>(v);
        case 6: return q8_move_bit<6, kTo>(v);
        default: return q8_move_bit<7, kTo>(v);
    }
}

// Two bits at 2k..2k+1 of every byte, as 0..3.
inline __m256i q8_two_bits(__m256i v, int k) {
    return _mm256_and_si256(k == 0 ? v : _mm256_srli_epi16(v, 2 * k), q8_bytes(3));
}

struct KQ4 {
    using Block = BlockQ4_K;
    static constexpr bool kHasMin = true;
    static constexpr int kOffsetShift = -1;  // no level offset
    struct State {
        __m256i scales;  // the eight scales as int16, in both 128-bit halves
        __m256i mins16;  // min of each 16 activations: m0, m0, m1, m1, ..., m7, m7
        __m256i q[4];
    };
    static void prepare(const Block& b, State& st) {
        prepare_scales(b.scales, st);
        for (int c = 0; c < 4; ++c) st.q[c] = q8_load(b.qs + 32 * c);
    }
    static void prepare_scales(const uint8_t* scales, State& st) {
        const __m128i sm = q8_k4_scales(scales);
        st.scales = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
        const __m128i mins = _mm_unpackhi_epi64(sm, sm);
        st.mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mins, mins));
    }
    static __m256i levels(const State& st, int j) {
        const __m256i q = st.q[j / 2];
        return j % 2 == 0 ? _mm256_and_si256(q, q8_bytes(0xF)) : _mm256_and_si256(_mm256_srli_epi16(q, 4), q8_bytes(0xF));
    }
    static __m256i scale16(const State& st, int j) {
        return _mm256_shuffle_epi8(st.scales, _mm256_set1_epi16(short(0x0100 + 0x0202 * j)));
    }
    static float d(const Block& b) { return q8_half(b.d); }
    static float dmin(const Block& b) { return q8_half(b.dmin); }
};

// Q5_K: Q4_K's layout plus a fifth bit per element in qh (bit j of qh[l] for element 32j + l).
struct KQ5 : KQ4 {
    using Block = BlockQ5_K;
    struct State : KQ4::State {
        __m256i qh;
    };
    static void prepare(const Block& b, State& st) {
        KQ4::prepare_scales(b.scales, st);
        for (int c = 0; c < 4; ++c) st.q[c] = q8_load(b.qs + 32 * c);
        st.qh = q8_load(b.qh);
    }
    static __m256i levels(const State& st, int j) {
        return _mm256_or_si256(KQ4::levels(st, j), q8_move_bit<4>(st.qh, j));
    }
    static float d(const Block& b) { return q8_half(b.d); }
    static float dmin(const Block& b) { return q8_half(b.dmin); }
};

// Q3_K: two bits in qs plus a third in hmask (clear: -4), sixteen 6-bit scales biased by 32.
// Levels 0..7 here, biased by 4.
struct KQ3 {
    using Block = BlockQ3_K;
    static constexpr bool kHasMin = false;
    static constexpr int kOffsetShift = 2;
    struct State {
        __m256i offset16;
        Scales16 scales;
        __m256i qs[2], hmask;
    };
    static void prepare(const Block& b, State& st) {
        uint32_t w[4];
        __builtin_memcpy(w, b.scales, 12);
        const uint32_t high = w[2];
        w[2] = ((w[0] >> 4) & 0x0f0f0f0f) | (((high >> 4) & 0x03030303) << 4);
        w[3] = ((w[1] >> 4) & 0x0f0f0f0f) | (((high >> 6) & 0x03030303) << 4);
        w[0] = (w[0] & 0x0f0f0f0f) | (((high >> 0) & 0x03030303) << 4);
        w[1] = (w[1] & 0x0f0f0f0f) | (((high >> 2) & 0x03030303) << 4);
        const __m128i levels = _mm_sub_epi8(_mm_setr_epi32(int(w[0]), int(w[1]), int(w[2]), int(w[3])), _mm_set1_epi8(32));
        st.offset16 = _mm256_cvtepi8_epi16(levels);
        st.scales.set(st.offset16);
        for (int c = 0; c < 2; ++c) st.qs[c] = q8_load(b.qs + 32 * c);
        st.hmask = q8_load(b.hmask);
    }
    // Elements 128h + 32k + l: bits 2k.. of qs[32h + l], third bit: bit 4h + k of hmask[l].
    static __m256i levels(const State& st, int j) {
        return _mm256_or_si256(q8_two_bits(st.qs[j / 4], j % 4), q8_move_bit<2>(st.hmask, j));
    }
    static __m256i scale16(const State& st, int j) { return st.scales.at(j); }
    static float d(const Block& b) { return q8_half(b.d); }
    static float dmin(const Block&) { return 0.0f; }
};

// Q2_K: two bits per element, per 16 elements a 4-bit scale and a 4-bit min.
struct KQ2 {
    using Block = BlockQ2_K;
    static constexpr bool kHasMin = true;
    static constexpr int kOffsetShift = -1;
    struct State {
        Scales16 scales;
        __m256i mins16;
        __m256i qs[2];
    };
    static void prepare(const Block& b, State& st) {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
        st.scales.set(_mm256_cvtepu8_epi16(_mm_and_si128(packed, _mm_set1_epi8(0xF))));
        st.mins16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0xF)));
        for (int c = 0; c < 2; ++c) st.qs[c] = q8_load(b.qs + 32 * c);
    }
    static __m256i levels(const State& st, int j) { return q8_two_bits(st.qs[j / 4], j % 4); }
    static __m256i scale16(const State& st, int j) { return st.scales.at(j); }
    static float d(const Block& b) { return q8_half(b.d); }
    static float dmin(const Block& b) { return q8_half(b.dmin); }
};

struct KQ6 {
    using Block = BlockQ6_K;
    static constexpr bool kHasMin = false;
    static constexpr int kOffsetShift = 5;  // levels are biased by 32
    struct State {
        __m256i offset16;  // the sixteen scales as int16: s0..s7 | s8..s15
        Scales16 scales;
        __m256i ql[4], qh[2];
    };
    static void prepare(const Block& b, State& st) {
        st.offset16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
        st.scales.set(st.offset16);
        for (int c = 0; c < 4; ++c) st.ql[c] = q8_load(b.ql + 32 * c);
        for (int c = 0; c < 2; ++c) st.qh[c] = q8_load(b.qh + 32 * c);
    }
    // Elements 128n + 32m ..: low nibbles of ql[2n + m % 2] (m < 2) or its high nibbles (m >= 2),
    // and bits 2m, 2m + 1 of qh[n] as bits 4, 5.
    static __m256i levels(const State& st, int j) {
        const int n = j / 4, m = j % 4;
        const __m256i ql = st.ql[2 * n + m % 2];
        const __m256i low = m < 2 ? _mm256_and_si256(ql, q8_bytes(0xF)) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), q8_bytes(0xF));
        const __m256i qh = st.qh[n];
        __m256i high;
        switch (m) {
            case 0: high = _mm256_slli_epi16(qh, 4); break;
            case 1: high = _mm256_slli_epi16(qh, 2); break;
            case 2: high = qh; break;
            default: high = _mm256_srli_epi16(qh, 2); break;
        }
        return _mm256_or_si256(low, _mm256_and_si256(high, q8_bytes(0x30)));
    }
    static __m256i scale16(const State& st, int j) { return st.scales.at(j); }
    static float d(const Block& b) { return q8_half(b.d); }
    static float dmin(const Block&) { return 0.0f; }
};

template <class Isa, class F>
struct KKernel {
    using Block = typename F::Block;

    static void run(const void* W, int64_t cols, const void* Xq, int64_t ldxq, int64_t n_tok, float* Y, int64_t ldy,
                    int64_t r0, int64_t r1) {
        const int64_t nb = cols / kQK_K;
        const auto* rows = static_cast<const Block*>(W);
        for (int64_t r = r0; r < r1; ++r) {
            q8_token_tiles<Isa::kTile, KKernel>(n_tok, rows + r * nb, nb, static_cast<const uint8_t*>(Xq), ldxq, Y, ldy, r);
        }
    }

    template <int NT>
    static void tile(int64_t t0, const Block* row, int64_t nb, const uint8_t* Xq, int64_t ldxq, float* Y, int64_t ldy,
                     int64_t r) {
        // Independent int32 chains per token, so a lone token is not bound by the latency of adds.
        constexpr int C = NT == 1 ? 4 : NT == 2 ? 2 : 1;
        const BlockQ8_K* x[NT];
        __m256 acc[NT];
        for (int t = 0; t < NT; ++t) {
            x[t] = reinterpret_cast<const BlockQ8_K*>(Xq + (t0 + t) * ldxq);
            acc[t] = _mm256_setzero_ps();
        }
        for (int64_t b = 0; b < nb; ++b) {
            const Block& w = row[b];
            const auto* bytes = reinterpret_cast<const uint8_t*>(&w);
            for (int line = 0; line < int(sizeof(Block)); line += 64) q8_prefetch(bytes + kQ8PrefetchBytes + line);
            typename F::State st;
            F::prepare(w, st);
            __m256i sumi[NT][C];
            for (int t = 0; t < NT; ++t)
                for (int c = 0; c < C; ++c) sumi[t][c] = _mm256_setzero_si256();
#pragma GCC unroll 8
            for (int j = 0; j < kQK_K / 32; ++j) {
                const __m256i u = F::levels(st, j);
                const __m256i scale = F::scale16(st, j);
                for (int t = 0; t < NT; ++t)
                    sumi[t][j % C] = Isa::dot_scaled(sumi[t][j % C], u, q8_load(x[t][b].qs + 32 * j), scale);
            }
            const __m256 d = _mm256_set1_ps(F::d(w));
            [[maybe_unused]] __m256 dmin;
            if constexpr (F::kHasMin) dmin = _mm256_set1_ps(F::dmin(w));
            for (int t = 0; t < NT; ++t) {
                __m256i sum = sumi[t][0];
                for (int c = 1; c < C; ++c) sum = _mm256_add_epi32(sum, sumi[t][c]);
                const __m256i bsums = q8_load(x[t][b].bsums);
                if constexpr (F::kOffsetShift >= 0) {
                    sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(_mm256_madd_epi16(bsums, st.offset16), F::kOffsetShift));
                }
                const __m256 dx = _mm256_set1_ps(x[t][b].d);
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(d, dx), acc[t]);
                if constexpr (F::kHasMin) {
                    const __m256 mins = _mm256_cvtepi32_ps(_mm256_madd_epi16(bsums, st.mins16));
                    acc[t] = _mm256_fnmadd_ps(mins, _mm256_mul_ps(dmin, dx), acc[t]);
                }
            }
        }
        for (int t = 0; t < NT; ++t) Y[(t0 + t) * ldy + r] = q8_hsum(acc[t]);
    }
};

// Runs the kernel of `type` if this file has one for it; false otherwise (the caller falls back).
template <class Isa>
bool q8_matmul_x86(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq, int64_t n_tok, float* Y,
                   int64_t ldy, int64_t r0, int64_t r1) {
    switch (type) {
        case SL_TYPE_Q4_0: LegacyKernel<Isa, SL_TYPE_Q4_0>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q4_1: LegacyKernel<Isa, SL_TYPE_Q4_1>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q5_0: LegacyKernel<Isa, SL_TYPE_Q5_0>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q5_1: LegacyKernel<Isa, SL_TYPE_Q5_1>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q8_0: LegacyKernel<Isa, SL_TYPE_Q8_0>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q2_K: KKernel<Isa, KQ2>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q3_K: KKernel<Isa, KQ3>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q4_K: KKernel<Isa, KQ4>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q5_K: KKernel<Isa, KQ5>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        case SL_TYPE_Q6_K: KKernel<Isa, KQ6>::run(W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1); return true;
        default: return false;
    }
}

}  // namespace
}  // namespace sl::cpu
