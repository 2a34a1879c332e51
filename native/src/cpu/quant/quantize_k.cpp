// Encoders of the 256-element K-quant super-blocks: fit (quantize_fit.cpp), then pack the bits
// exactly where the decoders (unpack.cpp) read them.
#include <cmath>
#include <cstring>

#include "formats/block_layouts.h"
#include "cpu/quant/block_positions.h"
#include "cpu/quant/quantize_blocks.h"
#include "cpu/quant/quantize_fit.h"

namespace sl::cpu {
namespace {

void write_bits(uint8_t* bytes, BitField f, int value) { bytes[f.byte] |= uint8_t(value << f.shift); }

void quantize_q2_K(const float* x, void* block) {
    auto* b = static_cast<BlockQ2_K*>(block);
    KFit fit;
    fit_k_affine(x, 16, 3, 15, &fit);
    std::memset(b, 0, sizeof *b);
    for (int s = 0; s < kQK_K / 16; ++s) b->scales[s] = uint8_t(fit.scale_level[s] | fit.min_level[s] << 4);
    for (int e = 0; e < kQK_K; ++e) write_bits(b->qs, two_bit_field(e), fit.q[e]);
    b->d = fit.d.bits;
    b->dmin = fit.dmin.bits;
}

void quantize_q3_K(const float* x, void* block) {
    auto* b = static_cast<BlockQ3_K*>(block);
    KFit fit;
    fit_k_symmetric(x, 16, 4, 31, &fit);
    std::memset(b, 0, sizeof *b);
    for (int s = 0; s < kQK_K / 16; ++s) {
        const int biased = fit.scale_level[s] + 32;
        write_bits(b->scales, q3_K_scale_low(s), biased & 0xF);
        write_bits(b->scales, q3_K_scale_high(s), biased >> 4);
    }
    for (int e = 0; e < kQK_K; ++e) {
        const int biased = fit.q[e] + 4;  // a set high bit means "no -4"
        write_bits(b->qs, two_bit_field(e), biased & 3);
        write_bits(b->hmask, q3_K_high_bit(e), biased >> 2);
    }
    b->d = fit.d.bits;
}

// Inverse of get_scale_min_k4: sub-blocks 0..3 keep 6 bits in bytes 0..7; sub-blocks 4..7 keep
// their low nibbles in bytes 8..11 and their top two bits in bits 6..7 of bytes 0..7.
void pack_k4_scales(const KFit& fit, uint8_t* packed) {
    for (int s = 0; s < 4; ++s) {
        const int hi_scale = fit.scale_level[s + 4], hi_min = fit.min_level[s + 4];
        packed[s] = uint8_t(fit.scale_level[s] | (hi_scale >> 4) << 6);
        packed[s + 4] = uint8_t(fit.min_level[s] | (hi_min >> 4) << 6);
        packed[s + 8] = uint8_t((hi_scale & 0xF) | (hi_min & 0xF) << 4);
    }
}

void quantize_q4_K(const float* x, void* block) {
    auto* b = static_cast<BlockQ4_K*>(block);
    KFit fit;
    fit_k_affine(x, 32, 15, 63, &fit);
    std::memset(b, 0, sizeof *b);
    pack_k4_scales(fit, b->scales);
    for (int e = 0; e < kQK_K; ++e) write_bits(b->qs, k4_nibble(e), fit.q[e]);
    b->d = fit.d.bits;
    b->dmin = fit.dmin.bits;
}

void quantize_q5_K(const float* x, void* block) {
    auto* b = static_cast<BlockQ5_K*>(block);
    KFit fit;
    fit_k_affine(x, 32, 31, 63, &fit);
    std::memset(b, 0, sizeof *b);
    pack_k4_scales(fit, b->scales);
    for (int e = 0; e < kQK_K; ++e) {
        write_bits(b->qs, k4_nibble(e), fit.q[e] & 0xF);
        write_bits(b->qh, q5_K_high_bit(e), fit.q[e] >> 4);
    }
    b->d = fit.d.bits;
    b->dmin = fit.dmin.bits;
}

void quantize_q6_K(const float* x, void* block) {
    auto* b = static_cast<BlockQ6_K*>(block);
    KFit fit;
    fit_k_symmetric(x, 16, 32, 127, &fit);
    std::memset(b, 0, sizeof *b);
    for (int s = 0; s < kQK_K / 16; ++s) b->scales[s] = int8_t(fit.scale_level[s]);
    for (int e = 0; e < kQK_K; ++e) {
        const int biased = fit.q[e] + 32;
        write_bits(b->ql, q6_K_low(e), biased & 0xF);
        write_bits(b->qh, q6_K_high(e), biased >> 4);
    }
    b->d = fit.d.bits;
}

// Q8_K (activations): float scale mapping the largest magnitude to 127, plus the sums of 16.
void quantize_q8_K(const float* x, void* block) {
    auto* b = static_cast<BlockQ8_K*>(block);
    const float amax = largest_magnitude(x, kQK_K).magnitude;
    const float d = std::isfinite(amax) ? amax / 127.0f : 0.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int e = 0; e < kQK_K; ++e) b->qs[e] = int8_t(round_clamped(x[e] * id, -127, 127));
    for (int s = 0; s < kQK_K / 16; ++s) {
        int sum = 0;
        for (int i = 0; i < 16; ++i) sum += b->qs[16 * s + i];
        b->bsums[s] = int16_t(sum);
    }
    b->d = d;
}

}  // namespace

QuantizeBlockFn k_block_quantizer(sl_type type) {
    switch (type) {
        case SL_TYPE_Q2_K: return quantize_q2_K;
        case SL_TYPE_Q3_K: return quantize_q3_K;
        case SL_TYPE_Q4_K: return quantize_q4_K;
        case SL_TYPE_Q5_K: return quantize_q5_K;
        case SL_TYPE_Q6_K: return quantize_q6_K;
        case SL_TYPE_Q8_K: return quantize_q8_K;
        default: return nullptr;
    }
}

}  // namespace sl::cpu
