// The scalar decoders of every ggml block layout: the definition of what the bits mean.
#include "cpu/quant/unpack.h"

#include <cstring>

#include "core/half.h"
#include "formats/block_layouts.h"
#include "cpu/quant/block_positions.h"

namespace sl::cpu {
namespace {

// Q3_K's sixteen 6-bit scales, stored with a bias of 32.
int q3_K_scale(const uint8_t* packed, int s) {
    return (read_bits(packed, q3_K_scale_low(s), 4) | read_bits(packed, q3_K_scale_high(s), 2) << 4) - 32;
}

// Q4_K / Q5_K: eight 6-bit scales and mins in 12 bytes (ggml's get_scale_min_k4).
void k4_scale_min(const uint8_t* packed, int s, int* sc, int* mn) {
    if (s < 4) {
        *sc = packed[s] & 63;
        *mn = packed[s + 4] & 63;
    } else {
        *sc = (packed[s + 4] & 0xF) | (packed[s - 4] >> 6) << 4;
        *mn = (packed[s + 4] >> 4) | (packed[s] >> 6) << 4;
    }
}

void k4_scales(uint16_t d_bits, uint16_t dmin_bits, const uint8_t* packed, float* scale, float* min) {
    const float d = fp16_to_fp32(d_bits), dmin = fp16_to_fp32(dmin_bits);
    for (int s = 0; s < kQK_K / 32; ++s) {
        int sc, mn;
        k4_scale_min(packed, s, &sc, &mn);
        scale[s] = d * float(sc);
        min[s] = dmin * float(mn);
    }
}

void q2_K_scales(const BlockQ2_K& b, float* scale, float* min) {
    const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
    for (int s = 0; s < kQK_K / 16; ++s) {
        scale[s] = d * float(b.scales[s] & 0xF);
        min[s] = dmin * float(b.scales[s] >> 4);
    }
}

void q3_K_scales(const BlockQ3_K& b, float* scale, float* min) {
    const float d = fp16_to_fp32(b.d);
    for (int s = 0; s < kQK_K / 16; ++s) {
        scale[s] = d * float(q3_K_scale(b.scales, s));
        min[s] = 0.0f;
    }
}

void q6_K_scales(const BlockQ6_K& b, float* scale, float* min) {
    const float d = fp16_to_fp32(b.d);
    for (int s = 0; s < kQK_K / 16; ++s) {
        scale[s] = d * float(b.scales[s]);
        min[s] = 0.0f;
    }
}

template <class Block>
const Block& as(const void* block) {
    return *static_cast<const Block*>(block);
}

uint32_t load_u32_le(const uint8_t* bytes) {
    return uint32_t(bytes[0]) | uint32_t(bytes[1]) << 8 | uint32_t(bytes[2]) << 16 | uint32_t(bytes[3]) << 24;
}

// Legacy 4-bit: element j in the low nibble of qs[j], element j + 16 in the high nibble.
void unpack_nibbles(const uint8_t* qs, int offset, int8_t* q) {
    for (int j = 0; j < kQK / 2; ++j) {
        q[j] = int8_t((qs[j] & 0xF) - offset);
        q[j + kQK / 2] = int8_t((qs[j] >> 4) - offset);
    }
}

// Legacy 5-bit: nibbles as above, bit j of the little-endian qh word is bit 4 of element j.
void unpack_five_bits(const uint8_t* qs, const uint8_t* qh, int offset, int8_t* q) {
    const uint32_t high = load_u32_le(qh);
    for (int j = 0; j < kQK / 2; ++j) {
        q[j] = int8_t(((qs[j] & 0xF) | ((high >> j) & 1) << 4) - offset);
        q[j + kQK / 2] = int8_t(((qs[j] >> 4) | ((high >> (j + 16)) & 1) << 4) - offset);
    }
}

void unpack_q4_0(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ4_0>(block);
    unpack_nibbles(b.qs, 8, q);
    scale[0] = fp16_to_fp32(b.d);
    min[0] = 0.0f;
}

void unpack_q4_1(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ4_1>(block);
    unpack_nibbles(b.qs, 0, q);
    scale[0] = fp16_to_fp32(b.d);
    min[0] = -fp16_to_fp32(b.m);
}

void unpack_q5_0(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ5_0>(block);
    unpack_five_bits(b.qs, b.qh, 16, q);
    scale[0] = fp16_to_fp32(b.d);
    min[0] = 0.0f;
}

void unpack_q5_1(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ5_1>(block);
    unpack_five_bits(b.qs, b.qh, 0, q);
    scale[0] = fp16_to_fp32(b.d);
    min[0] = -fp16_to_fp32(b.m);
}

void unpack_q8_0(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ8_0>(block);
    std::memcpy(q, b.qs, kQK);
    scale[0] = fp16_to_fp32(b.d);
    min[0] = 0.0f;
}

void unpack_q2_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ2_K>(block);
    for (int e = 0; e < kQK_K; ++e) q[e] = int8_t(read_bits(b.qs, two_bit_field(e), 2));
    q2_K_scales(b, scale, min);
}

void unpack_q3_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ3_K>(block);
    for (int e = 0; e < kQK_K; ++e) {
        const bool high_bit = read_bits(b.hmask, q3_K_high_bit(e), 1);
        q[e] = int8_t(read_bits(b.qs, two_bit_field(e), 2) - (high_bit ? 0 : 4));
    }
    q3_K_scales(b, scale, min);
}

void unpack_q4_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ4_K>(block);
    for (int e = 0; e < kQK_K; ++e) q[e] = int8_t(read_bits(b.qs, k4_nibble(e), 4));
    k4_scales(b.d, b.dmin, b.scales, scale, min);
}

void unpack_q5_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ5_K>(block);
    for (int e = 0; e < kQK_K; ++e) {
        q[e] = int8_t(read_bits(b.qs, k4_nibble(e), 4) | read_bits(b.qh, q5_K_high_bit(e), 1) << 4);
    }
    k4_scales(b.d, b.dmin, b.scales, scale, min);
}

// Q6_K: 4 + 2 bits biased by 32; sub-blocks of 16 with int8 scales.
void unpack_q6_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ6_K>(block);
    for (int e = 0; e < kQK_K; ++e) {
        q[e] = int8_t((read_bits(b.ql, q6_K_low(e), 4) | read_bits(b.qh, q6_K_high(e), 2) << 4) - 32);
    }
    q6_K_scales(b, scale, min);
}

void unpack_q8_K(const void* block, int8_t* q, float* scale, float* min) {
    const auto& b = as<BlockQ8_K>(block);
    std::memcpy(q, b.qs, kQK_K);
    scale[0] = b.d;
    min[0] = 0.0f;
}

constexpr QuantFormat kFormats[] = {
    {SL_TYPE_Q4_0, kQK, sizeof(BlockQ4_0), kQK, false, unpack_q4_0},
    {SL_TYPE_Q4_1, kQK, sizeof(BlockQ4_1), kQK, true, unpack_q4_1},
    {SL_TYPE_Q5_0, kQK, sizeof(BlockQ5_0), kQK, false, unpack_q5_0},
    {SL_TYPE_Q5_1, kQK, sizeof(BlockQ5_1), kQK, true, unpack_q5_1},
    {SL_TYPE_Q8_0, kQK, sizeof(BlockQ8_0), kQK, false, unpack_q8_0},
    {SL_TYPE_Q2_K, kQK_K, sizeof(BlockQ2_K), 16, true, unpack_q2_K},
    {SL_TYPE_Q3_K, kQK_K, sizeof(BlockQ3_K), 16, false, unpack_q3_K},
    {SL_TYPE_Q4_K, kQK_K, sizeof(BlockQ4_K), 32, true, unpack_q4_K},
    {SL_TYPE_Q5_K, kQK_K, sizeof(BlockQ5_K), 32, true, unpack_q5_K},
    {SL_TYPE_Q6_K, kQK_K, sizeof(BlockQ6_K), 16, false, unpack_q6_K},
    {SL_TYPE_Q8_K, kQK_K, sizeof(BlockQ8_K), kQK_K, false, unpack_q8_K},
};

}  // namespace

const QuantFormat* quant_format(sl_type type) {
    for (const QuantFormat& format : kFormats) {
        if (format.type == type) return &format;
    }
    return nullptr;
}

void unpack_row(const QuantFormat& format, const void* src, int64_t n, const UnpackedRow& out) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    const int subs_per_block = format.block_elems / format.sub_len;
    for (int64_t b = 0; b < n / format.block_elems; ++b) {
        format.unpack(bytes + b * format.block_bytes, out.q + b * format.block_elems, out.scale + b * subs_per_block,
               out.min + b * subs_per_block);
    }
}

}  // namespace sl::cpu
