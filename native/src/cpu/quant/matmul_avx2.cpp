// The AVX2 + FMA + F16C fast path. Each kernel is compiled per weight type with its decoder
// inlined (unpack_avx2.h, levels_avx2.h). A weight block is decoded once and applied to every token
// of the call: up to four tokens decode each block on the fly; larger float batches decode panels of
// rows to floats for a small GEMM, so every weight byte is read from memory once. The 8-bit path is
// q8_kernels_x86.h built for AVX2.
// Only intrinsics, avx2:: helpers and functions defined out of line elsewhere are used here: an
// inline function shared with the scalar files, compiled with -mavx2 in this file, could be the
// copy the linker keeps for the scalar path.
#include <immintrin.h>

#include <algorithm>

#include "formats/block_layouts.h"
#include "cpu/quant/levels_avx2.h"
#include "cpu/quant/kernels.h"
#include "cpu/quant/q8_kernels_x86.h"
#include "cpu/quant/quant.h"
#include "cpu/quant/scratch.h"
#include "cpu/quant/unpack.h"
#include "cpu/quant/unpack_avx2.h"

namespace sl::cpu {
namespace {

constexpr int kTokenTile = 4;

float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Runs Tile<NT>::run(t0, args...) over the tokens: NT = 4 while four remain, then the rest.
template <template <int> class Tile, class... Args>
void for_token_tiles(int64_t n_tok, const Args&... args) {
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

// Per token, the sum of x over each sub-block of kSubLen elements: a block's offset term is then
// sum_s offset[s] * xsum[s], one multiply per sub-block instead of an add per weight.
template <int kSubLen>
void sub_block_sums(const float* x, int64_t cols, float* out) {
    for (int64_t s = 0; s < cols / kSubLen; ++s) {
        __m256 sum = _mm256_loadu_ps(x + s * kSubLen);
        for (int i = 8; i < kSubLen; i += 8) sum = _mm256_add_ps(sum, _mm256_loadu_ps(x + s * kSubLen + i));
        out[s] = horizontal_sum(sum);
    }
}

// Up to four tokens against one row, each block decoded on the fly: per sub-block, sum level * x
// in float, then apply the scale once; the offsets meet the precomputed sub-block sums of x.
template <class D>
struct QuantFloatTiles {
    template <int NT>
    struct Tile {
        static void run(int64_t t0, const uint8_t* row, int64_t n_blocks, int64_t r, const float* X, int64_t ldx,
                        const float* sums, float* Y, int64_t ldy) {
            using Levels = avx2::BlockLevels<D>;
            constexpr int C = NT == 1 ? 2 : 1;  // a lone token alternates two chains between sub-blocks
            constexpr bool kVectorOffsets = D::kSubs % 8 == 0;
            const float* x[NT];
            const float* xsum[NT];
            for (int t = 0; t < NT; ++t) x[t] = X + (t0 + t) * ldx, xsum[t] = sums + (t0 + t) * n_blocks * D::kSubs;
            __m256 acc[NT][C], offsets[NT];
            float scalar_offsets[NT];
            for (int t = 0; t < NT; ++t) {
                for (int c = 0; c < C; ++c) acc[t][c] = _mm256_setzero_ps();
                offsets[t] = _mm256_setzero_ps();
                scalar_offsets[t] = 0.0f;
            }
            Levels levels;
            for (int64_t b = 0; b < n_blocks; ++b) {
                levels.load(row + b * sizeof(typename D::Block));
                const int64_t base = b * D::kElems;
#pragma GCC unroll 16
                for (int s = 0; s < D::kSubs; ++s) {
                    __m256 qx[NT];
                    for (int t = 0; t < NT; ++t) qx[t] = _mm256_setzero_ps();
#pragma GCC unroll 4
                    for (int i = s * D::kSubLen; i < (s + 1) * D::kSubLen; i += 8) {
                        const __m256 q = levels.levels8(i);
                        for (int t = 0; t < NT; ++t) qx[t] = _mm256_fmadd_ps(q, _mm256_loadu_ps(x[t] + base + i), qx[t]);
                    }
                    for (int t = 0; t < NT; ++t)
                        acc[t][s % C] = _mm256_fmadd_ps(qx[t], _mm256_set1_ps(levels.scale[s]), acc[t][s % C]);
                }
                if constexpr (Levels::kHasOffset) {
                    for (int t = 0; t < NT; ++t) {
                        const float* block_sums = xsum[t] + b * D::kSubs;
                        if constexpr (kVectorOffsets) {
                            for (int s = 0; s < D::kSubs; s += 8) {
                                offsets[t] = _mm256_fmadd_ps(_mm256_loadu_ps(levels.offset + s),
                                                             _mm256_loadu_ps(block_sums + s), offsets[t]);
                            }
                        } else {
                            for (int s = 0; s < D::kSubs; ++s) scalar_offsets[t] += levels.offset[s] * block_sums[s];
                        }
                    }
                }
            }
            for (int t = 0; t < NT; ++t) {
                for (int c = 1; c < C; ++c) acc[t][0] = _mm256_add_ps(acc[t][0], acc[t][c]);
                Y[(t0 + t) * ldy + r] = horizontal_sum(acc[t][0]) - (horizontal_sum(offsets[t]) + scalar_offsets[t]);
            }
        }
    };
};

// ---- Float activations, batches: a small GEMM over decoded weight panels ------------------------

// Rows go in panels of kPanelRows and columns in chunks of kChunk: a panel's chunk is decoded to
// floats once (16 KiB, it stays in L1) and multiplied with every token's chunk of x (256 KiB at
// 64 tokens, it stays in L2 across panels). The register tile is kPanelRows x kPanelTokens
// accumulators plus the tokens' x vectors and one weight vector: 16 ymm registers.
constexpr int kPanelRows = 4;
constexpr int kPanelTokens = 3;
constexpr int64_t kChunk = 1024;

// Y[t][r + i] (+)= dot(w[i][0, len), x_t[k0, k0 + len)) for R rows and T tokens from t0;
// `first` stores instead of accumulating (the first chunk of columns).
template <int R, int T>
void panel_tile(const float* const* w, const float* X, int64_t ldx, int64_t t0, int64_t k0, int64_t len, float* Y,
                int64_t ldy, int64_t r, bool first) {
    const float* x[T];
    for (int t = 0; t < T; ++t) x[t] = X + (t0 + t) * ldx + k0;
    __m256 acc[R][T];
    for (int i = 0; i < R; ++i)
        for (int t = 0; t < T; ++t) acc[i][t] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 8 <= len; k += 8) {
        __m256 xv[T];
        for (int t = 0; t < T; ++t) xv[t] = _mm256_loadu_ps(x[t] + k);
        for (int i = 0; i < R; ++i) {
            const __m256 wv = _mm256_loadu_ps(w[i] + k);
            for (int t = 0; t < T; ++t) acc[i][t] = _mm256_fmadd_ps(wv, xv[t], acc[i][t]);
        }
    }
    for (int i = 0; i < R; ++i) {
        for (int t = 0; t < T; ++t) {
            float sum = horizontal_sum(acc[i][t]);
            for (int64_t j = k; j < len; ++j) sum += w[i][j] * x[t][j];
            float& y = Y[(t0 + t) * ldy + r + i];
            y = first ? sum : y + sum;
        }
    }
}

template <int R>
void panel_tokens(const float* const* w, const float* X, int64_t ldx, int64_t n_tok, int64_t k0, int64_t len,
                  float* Y, int64_t ldy, int64_t r, bool first) {
    int64_t t = 0;
    for (; t + kPanelTokens <= n_tok; t += kPanelTokens) panel_tile<R, kPanelTokens>(w, X, ldx, t, k0, len, Y, ldy, r, first);
    switch (n_tok - t) {
        case 2: panel_tile<R, 2>(w, X, ldx, t, k0, len, Y, ldy, r, first); break;
        case 1: panel_tile<R, 1>(w, X, ldx, t, k0, len, Y, ldy, r, first); break;
        default: break;
    }
}

// slice(r, k0, len, buffer) returns len floats of row r from column k0 (decoded into buffer, or
// in place for F32 weights).
template <class Slice>
void panel_matmul(const Slice& slice, int64_t cols, const float* X, int64_t ldx, int64_t n_tok, float* Y,
                  int64_t ldy, int64_t r0, int64_t r1) {
    auto* buffer = static_cast<float*>(thread_scratch(ScratchSlot::kRowValues, kPanelRows * kChunk * sizeof(float)));
    for (int64_t k0 = 0; k0 < cols; k0 += kChunk) {
        const int64_t len = std::min(kChunk, cols - k0);
        for (int64_t r = r0; r < r1; r += kPanelRows) {
            const int rows = int(std::min<int64_t>(kPanelRows, r1 - r));
            const float* w[kPanelRows];
            for (int i = 0; i < rows; ++i) w[i] = slice(r + i, k0, len, buffer + i * kChunk);
            const bool first = k0 == 0;
            switch (rows) {
                case 4: panel_tokens<4>(w, X, ldx, n_tok, k0, len, Y, ldy, r, first); break;
                case 3: panel_tokens<3>(w, X, ldx, n_tok, k0, len, Y, ldy, r, first); break;
                case 2: panel_tokens<2>(w, X, ldx, n_tok, k0, len, Y, ldy, r, first); break;
                default: panel_tokens<1>(w, X, ldx, n_tok, k0, len, Y, ldy, r, first); break;
            }
        }
    }
}

// F32 / F16 / BF16 rows: converted to float (F32 used in place).
void convert_f16(const uint16_t* src, int64_t n, float* out) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
    }
    for (; i < n; ++i) out[i] = _cvtsh_ss(src[i]);
}

void convert_bf16(const uint16_t* src, int64_t n, float* out) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
        _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
    }
    for (; i < n; ++i) out[i] = _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128(int(src[i]) << 16)));
}

void float_weights(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok, float* Y,
                   int64_t ldy, int64_t r0, int64_t r1) {
    const uint64_t stride = row_bytes(type, cols);
    const auto slice = [&](int64_t r, int64_t k0, int64_t len, float* buffer) {
        const uint8_t* row = static_cast<const uint8_t*>(W) + r * stride;
        if (type == SL_TYPE_F32) return reinterpret_cast<const float*>(row) + k0;
        const auto* halves = reinterpret_cast<const uint16_t*>(row) + k0;
        if (type == SL_TYPE_F16) convert_f16(halves, len, buffer);
        else convert_bf16(halves, len, buffer);
        return static_cast<const float*>(buffer);
    };
    panel_matmul(slice, cols, X, ldx, n_tok, Y, ldy, r0, r1);
}

// Weights [k0, k0 + len) of a quantized row as floats in out (k0 and len whole blocks).
template <class D>
const float* decode_slice(const uint8_t* row, int64_t k0, int64_t len, float* out) {
    using Levels = avx2::BlockLevels<D>;
    Levels levels;
    for (int64_t b = 0; b < len / D::kElems; ++b) {
        levels.load(row + (k0 / D::kElems + b) * sizeof(typename D::Block));
        for (int i = 0; i < D::kElems; i += 8) {
            const __m256 q = levels.levels8(i), scale = _mm256_set1_ps(levels.scale[i / D::kSubLen]);
            const __m256 w = Levels::kHasOffset ? _mm256_fmsub_ps(q, scale, _mm256_set1_ps(levels.offset[i / D::kSubLen]))
                                                : _mm256_mul_ps(q, scale);
            _mm256_storeu_ps(out + b * D::kElems + i, w);
        }
    }
    return out;
}

// Quantized weights: a few tokens decode each block on the fly; a batch goes through the panels.
template <class D>
struct QuantFloatKernel {
    static void run(const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok, float* Y, int64_t ldy,
                    int64_t r0, int64_t r1) {
        const auto* rows = static_cast<const uint8_t*>(W);
        const int64_t n_blocks = cols / D::kElems;
        const size_t stride = size_t(n_blocks) * sizeof(typename D::Block);
        if (n_tok > kTokenTile) {
            const auto slice = [&](int64_t r, int64_t k0, int64_t len, float* buffer) {
                return decode_slice<D>(rows + r * stride, k0, len, buffer);
            };
            panel_matmul(slice, cols, X, ldx, n_tok, Y, ldy, r0, r1);
            return;
        }
        const int64_t n_subs = cols / D::kSubLen;
        auto* sums = static_cast<float*>(thread_scratch(ScratchSlot::kSubBlockSums, size_t(n_tok * n_subs) * sizeof(float)));
        if constexpr (avx2::BlockLevels<D>::kHasOffset) {
            for (int64_t t = 0; t < n_tok; ++t) sub_block_sums<D::kSubLen>(X + t * ldx, cols, sums + t * n_subs);
        }
        for (int64_t r = r0; r < r1; ++r)
            for_token_tiles<QuantFloatTiles<D>::template Tile>(n_tok, rows + r * stride, n_blocks, r, X, ldx,
                                                                static_cast<const float*>(sums), Y, ldy);
    }
};

void matmul_avx2(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok,
                 float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    if (!avx2::with_decoder<QuantFloatKernel>(type, W, cols, X, ldx, n_tok, Y, ldy, r0, r1)) {
        float_weights(type, W, cols, X, ldx, n_tok, Y, ldy, r0, r1);
    }
}

// ---- 8-bit activations: q8_kernels_x86.h, every block-quantized type ---------------------------

void matmul_q8_avx2(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq, int64_t n_tok,
                    float* Y, int64_t ldy, int64_t r0, int64_t r1) {
    q8_matmul_x86<IsaAvx2>(type, W, cols, Xq, ldxq, n_tok, Y, ldy, r0, r1);
}

}  // namespace

const MatmulKernels kAvx2Kernels{"avx2", matmul_avx2, matmul_q8_avx2};

}  // namespace sl::cpu
