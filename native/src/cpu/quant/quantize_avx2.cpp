// The activation quantizers of the 8-bit path (Q8_0 and Q8_K) in AVX2, byte for byte what the scalar
// ones in quantize_legacy.cpp / quantize_k.cpp write (the tests compare them): the same float
// operations in the same order, the same clamp (NaN becomes -127), rounding to nearest even. Only
// intrinsics here (see matmul_avx2.cpp for why).
#include <immintrin.h>

#include <cstdint>

#include "cpu/quant/quant.h"
#include "formats/block_layouts.h"

namespace sl::cpu {
namespace {

float max_magnitude(const float* x, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    // max_ps(a, b) is a > b ? a : b: a NaN in a leaves m, as the scalar loop skips it.
    for (int i = 0; i < n; i += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), m);
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// round_clamped(x * id, -127, 127) for eight values.
__m256i levels8(const float* x, __m256 id) {
    const __m256 v = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x), id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f)));
}

// 32 values quantized into out; returns the sums of their first and second 16 in lanes 0 and 1.
__m128i quantize32(const float* x, __m256 id, int8_t* out) {
    const __m256i i0 = levels8(x, id), i1 = levels8(x + 8, id), i2 = levels8(x + 16, id), i3 = levels8(x + 24, id);
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                        _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    __m256i h = _mm256_hadd_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
    h = _mm256_hadd_epi32(h, h);
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

void quantize_q8_K_blocks(const float* x, BlockQ8_K* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, x += kQK_K) {
        const float amax = max_magnitude(x, kQK_K);
        const bool finite = amax - amax == 0.0f;
        const float d = finite ? amax / 127.0f : 0.0f;
        const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
        for (int g = 0; g < kQK_K / 32; ++g) {
            const __m128i sums = quantize32(x + 32 * g, id, blocks[b].qs + 32 * g);
            blocks[b].bsums[2 * g] = int16_t(_mm_cvtsi128_si32(sums));
            blocks[b].bsums[2 * g + 1] = int16_t(_mm_extract_epi32(sums, 1));
        }
        blocks[b].d = d;
    }
}

void quantize_q8_0_blocks(const float* x, BlockQ8_0* blocks, int64_t n_blocks) {
    for (int64_t b = 0; b < n_blocks; ++b, x += kQK) {
        // fp16_scale: bounded to the fp16 range, NaN as 0, stored rounded to nearest even.
        const float scale = max_magnitude(x, kQK) / 127.0f;
        const float bounded = scale <= 65504.0f ? (scale >= -65504.0f ? scale : -65504.0f) : 65504.0f;
        const uint16_t bits = uint16_t(_cvtss_sh(bounded == bounded ? bounded : 0.0f, _MM_FROUND_TO_NEAREST_INT));
        const float d = _cvtsh_ss(bits);
        quantize32(x, _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f), blocks[b].qs);
        blocks[b].d = bits;
    }
}

}  // namespace

bool quantize_activations_avx2(sl_type act_type, const float* x, void* dst, int64_t n) {
    switch (act_type) {
        case SL_TYPE_Q8_K: quantize_q8_K_blocks(x, static_cast<BlockQ8_K*>(dst), n / kQK_K); return true;
        case SL_TYPE_Q8_0: quantize_q8_0_blocks(x, static_cast<BlockQ8_0*>(dst), n / kQK); return true;
        default: return false;
    }
}

}  // namespace sl::cpu
