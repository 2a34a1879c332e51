// Encoders of the 32-element legacy blocks: one fp16 scale (and min) per block, round to nearest.
#include <cstring>

#include "formats/block_layouts.h"
#include "cpu/quant/quantize_blocks.h"
#include "cpu/quant/quantize_fit.h"

namespace sl::cpu {
namespace {

float inverse(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

// Symmetric grid [-q_neg, q_neg - 1]: the element of largest magnitude maps to -q_neg.
// Writes q + q_neg (unsigned) into q.
Fp16Scale fit_symmetric(const float* x, int q_neg, uint8_t* q) {
    const Fp16Scale d = fp16_scale(largest_magnitude(x, kQK).value / float(-q_neg));
    const float id = inverse(d.value);
    for (int j = 0; j < kQK; ++j) q[j] = uint8_t(round_clamped(x[j] * id, -q_neg, q_neg - 1) + q_neg);
    return d;
}

// Affine grid min + d * [0, q_max].
struct AffineScale {
    Fp16Scale d, m;
};
AffineScale fit_affine(const float* x, int q_max, uint8_t* q) {
    float lo = x[0], hi = x[0];
    for (int j = 1; j < kQK; ++j) {
        lo = x[j] < lo ? x[j] : lo;
        hi = x[j] > hi ? x[j] : hi;
    }
    const AffineScale s{fp16_scale((hi - lo) / float(q_max)), fp16_scale(lo)};
    const float id = inverse(s.d.value);
    for (int j = 0; j < kQK; ++j) q[j] = uint8_t(round_clamped((x[j] - s.m.value) * id, 0, q_max));
    return s;
}

void pack_nibbles(const uint8_t* q, uint8_t* qs) {
    for (int j = 0; j < kQK / 2; ++j) qs[j] = uint8_t((q[j] & 0xF) | (q[j + kQK / 2] & 0xF) << 4);
}

void pack_fifth_bits(const uint8_t* q, uint8_t* qh) {
    uint32_t high = 0;
    for (int j = 0; j < kQK; ++j) high |= uint32_t(q[j] >> 4) << j;
    for (int i = 0; i < 4; ++i) qh[i] = uint8_t(high >> (8 * i));
}

void quantize_q4_0(const float* x, void* block) {
    auto* b = static_cast<BlockQ4_0*>(block);
    uint8_t q[kQK];
    b->d = fit_symmetric(x, 8, q).bits;
    pack_nibbles(q, b->qs);
}

void quantize_q5_0(const float* x, void* block) {
    auto* b = static_cast<BlockQ5_0*>(block);
    uint8_t q[kQK];
    b->d = fit_symmetric(x, 16, q).bits;
    pack_nibbles(q, b->qs);
    pack_fifth_bits(q, b->qh);
}

void quantize_q4_1(const float* x, void* block) {
    auto* b = static_cast<BlockQ4_1*>(block);
    uint8_t q[kQK];
    const AffineScale s = fit_affine(x, 15, q);
    b->d = s.d.bits;
    b->m = s.m.bits;
    pack_nibbles(q, b->qs);
}

void quantize_q5_1(const float* x, void* block) {
    auto* b = static_cast<BlockQ5_1*>(block);
    uint8_t q[kQK];
    const AffineScale s = fit_affine(x, 31, q);
    b->d = s.d.bits;
    b->m = s.m.bits;
    pack_nibbles(q, b->qs);
    pack_fifth_bits(q, b->qh);
}

// Q8_0 maps the largest magnitude to +-127 (never -128, so the AVX2 sign trick stays exact).
void quantize_q8_0(const float* x, void* block) {
    auto* b = static_cast<BlockQ8_0*>(block);
    const Fp16Scale d = fp16_scale(largest_magnitude(x, kQK).magnitude / 127.0f);
    const float id = inverse(d.value);
    for (int j = 0; j < kQK; ++j) b->qs[j] = int8_t(round_clamped(x[j] * id, -127, 127));
    b->d = d.bits;
}

}  // namespace

QuantizeBlockFn legacy_block_quantizer(sl_type type) {
    switch (type) {
        case SL_TYPE_Q4_0: return quantize_q4_0;
        case SL_TYPE_Q4_1: return quantize_q4_1;
        case SL_TYPE_Q5_0: return quantize_q5_0;
        case SL_TYPE_Q5_1: return quantize_q5_1;
        case SL_TYPE_Q8_0: return quantize_q8_0;
        default: return nullptr;
    }
}

}  // namespace sl::cpu
