// The AVX2 + FMA + F16C fast path. Each weight row is decoded once (to floats, or to the unpacked
// int8 form for the 8-bit path) into per-thread scratch that stays in L1/L2, then applied to the
// tokens four at a time, so a batch reads every weight byte from memory once.
// Only intrinsics and functions defined out of line elsewhere are used here: an inline function
// shared with the scalar files, compiled with -mavx2 in this file, could leak into the scalar path.
#include <immintrin.h>

#include "cpu/quant/block_layouts.h"
#include "cpu/quant/kernels.h"
#include "cpu/quant/quant.h"
#include "cpu/quant/scratch.h"
#include "cpu/quant/unpack.h"

namespace sl::cpu {
namespace {

constexpr int kTokenTile = 4;

float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Runs tile<NT>(t0, NT) over the tokens, NT = 4 while four remain, then the 1..3 left over.
template <template <int> class Tile, class... Args>
void for_token_tiles(int64_t n_tok, Args&&... args) {
    int64_t t0 = 0;
    for (; t0 + kTokenTile <= n_tok; t0 += kTokenTile) Tile<kTokenTile>::run(t0, args...);
    switch (n_tok - t0) {
        case 3: Tile<3>::run(t0, args...); break;
        case 2: Tile<2>::run(t0, args...); break;
        case 1: Tile<1>::run(t0, args...); break;
        default: break;
    }
}

// ---- Float activations ----------------------------------------------------------------------

void decode_f16(const uint16_t* src, int64_t n, float* out) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
    }
    for (; i < n; ++i) out[i] = _cvtsh_ss(src[i]);
}

void decode_bf16(const uint16_t* src, int64_t n, float* out) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
        _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
    }
    for (; i < n; ++i) out[i] = _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128(int(src[i]) << 16)));
}

void decode_quantized(const QuantFormat& format, const void* src, int64_t n, float* out) {
    const UnpackFn unpack = avx2_unpacker(format.type);
    const auto* bytes = static_cast<const uint8_t*>(src);
    alignas(32) int8_t q[kQK_K];
    float scale[kQK_K / 16], min[kQK_K / 16];
    for (int64_t b = 0; b < n / format.block_elems; ++b) {
        unpack(bytes + b * format.block_bytes, q, scale, min);
        float* dst = out + b * format.block_elems;
        for (int i = 0; i < format.block_elems; i += 8) {
            const int s = i / format.sub_len;
            const __m256 values = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + i))));
            _mm256_storeu_ps(dst + i, _mm256_sub_ps(_mm256_mul_ps(values, _mm256_set1_ps(scale[s])), _mm256_set1_ps(min[s])));
        }
    }
}

// The row as floats: W itself for F32, otherwise decoded into out.
const float* decode_row(sl_type type, const void* src, int64_t n, float* out) {
    switch (type) {
        case SL_TYPE_F32: return static_cast<const float*>(src);
        case SL_TYPE_F16: decode_f16(static_cast<const uint16_t*>(src), n, out); return out;
        case SL_TYPE_BF16: decode_bf16(static_cast<const uint16_t*>(src), n, out); return out;
        default: decode_quantized(*quant_format(type), src, n, out); return out;
    }
}

// dot(w, x_t) for NT tokens; U independent accumulators per token hide the FMA latency.
template <int NT>
struct FloatTile {
    static void run(int64_t t0, const float* w, int64_t n, const float* X, int64_t ldx, float* Y, int64_t ldy,
                    int64_t r) {
        constexpr int U = NT == 1 ? 4 : 2;
        const float* x[NT];
        for (int t = 0; t < NT; ++t) x[t] = X + (t0 + t) * ldx;
        __m256 acc[NT][U];
        for (int t = 0; t < NT; ++t)
            for (int u = 0; u < U; ++u) acc[t][u] = _mm256_setzero_ps();
        int64_t i = 0;
        for (; i + 8 * U <= n; i += 8 * U) {
            for (int u = 0; u < U; ++u) {
                const __m256 wv = _mm256_loadu_ps(w + i + 8 * u);
                for (int t = 0; t < NT; ++t) acc[t][u] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[t] + i + 8 * u), acc[t][u]);
            }
        }
        for (; i + 8 <= n; i += 8) {
            const __m256 wv = _mm256_loadu_ps(w + i);
            for (int t = 0; t < NT; ++t) acc[t][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[t] + i), acc[t][0]);
        }
        for (int t = 0; t < NT; ++t) {
            for (int u = 1; u < U; ++u) acc[t][0] = _mm256_add_ps(acc[t][0], acc[t][u]);
            float sum = horizontal_sum(acc[t][0]);
            for (int64_t j = i; j < n; ++j) sum += w[j] * x[t][j];
            Y[(t0 + t) * ldy + r] = sum;
        }
    }
};

void matmul_avx2(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok,
                 float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    const uint64_t stride = row_bytes(type, cols);
    auto* buffer = static_cast<float*>(thread_scratch(ScratchSlot::kRowValues, size_t(cols) * sizeof(float)));
    for (int64_t r = r0; r < r1; ++r) {
        const float* w = decode_row(type, static_cast<const uint8_t*>(W) + r * stride, cols, buffer);
        for_token_tiles<FloatTile>(n_tok, w, cols, X, ldx, Y, ldy, r);
    }
}

// ---- 8-bit activations ------------------------------------------------------------------------

// Eight int32 partial sums of w * x over 32 int8 pairs, as floats. maddubs needs one unsigned
// operand: |w| times x with w's sign (exact because activations never hold -128).
__m256 dot32(__m256i w, __m256i w_abs, __m256i x) {
    const __m256i pairs = _mm256_maddubs_epi16(w_abs, _mm256_sign_epi8(x, w));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

__m256i load_i8x32(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Legacy weights (one sub-block per 32-element block) against Q8_0 activations.
template <bool kHasMin>
struct LegacyTiles {
    template <int NT>
    struct Tile {
        static void run(int64_t t0, const UnpackedRow& w, int64_t n_blocks, const uint8_t* Xq, int64_t ldxq,
                        float* Y, int64_t ldy, int64_t r) {
            constexpr int C = NT == 1 ? 2 : 1;  // a lone token gets two accumulator chains
            const BlockQ8_0* x[NT];
            for (int t = 0; t < NT; ++t) x[t] = reinterpret_cast<const BlockQ8_0*>(Xq + (t0 + t) * ldxq);
            __m256 acc[NT][C];
            for (int t = 0; t < NT; ++t)
                for (int c = 0; c < C; ++c) acc[t][c] = _mm256_setzero_ps();
            const auto block = [&](int64_t b, int c) {
                const __m256i wq = load_i8x32(w.q + b * kQK);
                const __m256i w_abs = _mm256_abs_epi8(wq);
                for (int t = 0; t < NT; ++t) {
                    const float dx = _cvtsh_ss(x[t][b].d);
                    const __m256i xq = load_i8x32(x[t][b].qs);
                    acc[t][c] = _mm256_fmadd_ps(dot32(wq, w_abs, xq), _mm256_set1_ps(w.scale[b] * dx), acc[t][c]);
                    if constexpr (kHasMin) {
                        const __m256i x_pairs = _mm256_maddubs_epi16(_mm256_set1_epi8(1), xq);
                        const __m256 x_sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(x_pairs, _mm256_set1_epi16(1)));
                        acc[t][c] = _mm256_fnmadd_ps(x_sums, _mm256_set1_ps(w.min[b] * dx), acc[t][c]);
                    }
                }
            };
            int64_t b = 0;
            for (; b + C <= n_blocks; b += C)
                for (int c = 0; c < C; ++c) block(b + c, c);
            for (; b < n_blocks; ++b) block(b, 0);
            for (int t = 0; t < NT; ++t) {
                for (int c = 1; c < C; ++c) acc[t][0] = _mm256_add_ps(acc[t][0], acc[t][c]);
                Y[(t0 + t) * ldy + r] = horizontal_sum(acc[t][0]);
            }
        }
    };
};

// min[s] * (sum of the activation quants of sub-block s), for the eight lanes of one super-block.
template <int kSubLen>
__m256 min_terms(const float* min, const int16_t* bsums) {
    const __m256i sums16 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bsums));
    if constexpr (kSubLen == 32) {  // two bsums of 16 per sub-block
        const __m256 sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(sums16, _mm256_set1_epi16(1)));
        return _mm256_mul_ps(sums, _mm256_loadu_ps(min));
    } else {
        const __m256 lo = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(sums16)));
        const __m256 hi = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm256_extracti128_si256(sums16, 1)));
        return _mm256_fmadd_ps(hi, _mm256_loadu_ps(min + 8), _mm256_mul_ps(lo, _mm256_loadu_ps(min)));
    }
}

// The scale of each int32 lane of dot32 over elements 32v..32v+31.
template <int kSubLen>
__m256 lane_scales(const float* scale, int v) {
    if constexpr (kSubLen == 32) {
        return _mm256_set1_ps(scale[v]);
    } else {  // lanes 0..3 cover sub-block 2v, lanes 4..7 sub-block 2v + 1
        return _mm256_set_m128(_mm_set1_ps(scale[2 * v + 1]), _mm_set1_ps(scale[2 * v]));
    }
}

// K-quant weights against Q8_K activations, one 256-element super-block at a time.
template <int kSubLen, bool kHasMin>
struct KTiles {
    template <int NT>
    struct Tile {
        static void run(int64_t t0, const UnpackedRow& w, int64_t n_blocks, const uint8_t* Xq, int64_t ldxq,
                        float* Y, int64_t ldy, int64_t r) {
            constexpr int C = NT == 1 ? 2 : 1;
            constexpr int kSubs = kQK_K / kSubLen;
            const BlockQ8_K* x[NT];
            for (int t = 0; t < NT; ++t) x[t] = reinterpret_cast<const BlockQ8_K*>(Xq + (t0 + t) * ldxq);
            __m256 acc[NT];
            for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
            for (int64_t b = 0; b < n_blocks; ++b) {
                const int8_t* wq = w.q + b * kQK_K;
                const float* scale = w.scale + b * kSubs;
                __m256 part[NT][C];
                for (int t = 0; t < NT; ++t)
                    for (int c = 0; c < C; ++c) part[t][c] = _mm256_setzero_ps();
                for (int v = 0; v < kQK_K / 32; ++v) {
                    const __m256i wv = load_i8x32(wq + 32 * v);
                    const __m256i w_abs = _mm256_abs_epi8(wv);
                    const __m256 scales = lane_scales<kSubLen>(scale, v);
                    for (int t = 0; t < NT; ++t) {
                        part[t][v % C] = _mm256_fmadd_ps(dot32(wv, w_abs, load_i8x32(x[t][b].qs + 32 * v)), scales,
                                                         part[t][v % C]);
                    }
                }
                for (int t = 0; t < NT; ++t) {
                    for (int c = 1; c < C; ++c) part[t][0] = _mm256_add_ps(part[t][0], part[t][c]);
                    const __m256 dx = _mm256_set1_ps(x[t][b].d);
                    acc[t] = _mm256_fmadd_ps(part[t][0], dx, acc[t]);
                    if constexpr (kHasMin) {
                        acc[t] = _mm256_fnmadd_ps(min_terms<kSubLen>(w.min + b * kSubs, x[t][b].bsums), dx, acc[t]);
                    }
                }
            }
            for (int t = 0; t < NT; ++t) Y[(t0 + t) * ldy + r] = horizontal_sum(acc[t]);
        }
    };
};

template <template <int> class Tile>
void run_rows_q8(const QuantFormat& format, const void* W, int64_t cols, const void* Xq, int64_t ldxq,
                 int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    const uint64_t stride = row_bytes(format.type, cols);
    const size_t n_sub = size_t(cols / format.sub_len);
    const UnpackedRow row{static_cast<int8_t*>(thread_scratch(ScratchSlot::kRowValues, size_t(cols))),
                          static_cast<float*>(thread_scratch(ScratchSlot::kRowScales, n_sub * sizeof(float))),
                          static_cast<float*>(thread_scratch(ScratchSlot::kRowMins, n_sub * sizeof(float)))};
    const UnpackFn unpack = avx2_unpacker(format.type);
    const int64_t n_blocks = cols / format.block_elems;
    const auto* x = static_cast<const uint8_t*>(Xq);
    for (int64_t r = r0; r < r1; ++r) {
        unpack_row(format, unpack, static_cast<const uint8_t*>(W) + r * stride, cols, row);
        for_token_tiles<Tile>(n_tok, row, n_blocks, x, ldxq, Y, ldy, r);
    }
}

void matmul_q8_avx2(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq, int64_t n_tok,
                    float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    const QuantFormat& f = *quant_format(type);
    if (f.block_elems == kQK) {
        if (f.has_min) run_rows_q8<LegacyTiles<true>::Tile>(f, W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1);
        else run_rows_q8<LegacyTiles<false>::Tile>(f, W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1);
    } else if (f.sub_len == 32) {
        run_rows_q8<KTiles<32, true>::Tile>(f, W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1);  // Q4_K, Q5_K
    } else if (f.has_min) {
        run_rows_q8<KTiles<16, true>::Tile>(f, W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1);  // Q2_K
    } else {
        run_rows_q8<KTiles<16, false>::Tile>(f, W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1);  // Q3_K, Q6_K
    }
}

}  // namespace

const MatmulKernels kAvx2Kernels{"avx2", matmul_avx2, matmul_q8_avx2};

}  // namespace sl::cpu
