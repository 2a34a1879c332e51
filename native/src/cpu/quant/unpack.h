// Every quantized format decodes the same way: a block becomes small integers q[] plus, per
// sub-block s, a float scale and min with value = scale[s] * q - min[s]. The dequantizers, the
// scalar matmuls and the AVX2 int8 dot products all start from this one decoded form, so each
// bit layout is written once per instruction set (unpack.cpp, unpack_avx2.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu/quant/block_layouts.h"
#include "sluice/sluice.h"

namespace sl::cpu {

// Decodes one block: block_elems values into q, block_elems / sub_len entries into scale and min.
using UnpackFn = void (*)(const void* block, int8_t* q, float* scale, float* min);

struct QuantFormat {
    sl_type type;
    int block_elems;
    size_t block_bytes;
    int sub_len;    // elements sharing one scale (and min)
    bool has_min;   // false: every min is 0
    UnpackFn unpack;
};

// The scalar decoder of a block-quantized type; nullptr for F32, F16, BF16 and unknown ids.
const QuantFormat* quant_format(sl_type type);

// A row decoded with a format's unpack: q has cols entries, scale and min cols / sub_len.
struct UnpackedRow {
    int8_t* q;
    float* scale;
    float* min;
};

// The AVX2 decoder of a block-quantized weight type (unpack_avx2.cpp); call only on an AVX2 CPU.
UnpackFn avx2_unpacker(sl_type type);

// Per-sub-block scales and mins of the K-quants, shared by the scalar and AVX2 decoders.
void q2_K_scales(const BlockQ2_K& b, float* scale, float* min);
void q3_K_scales(const BlockQ3_K& b, float* scale, float* min);
void k4_scales(uint16_t d_bits, uint16_t dmin_bits, const uint8_t* packed, float* scale, float* min);  // Q4_K, Q5_K
void q6_K_scales(const BlockQ6_K& b, float* scale, float* min);

// Unpacks a whole row of n elements into out with the given decoder.
void unpack_row(const QuantFormat& format, UnpackFn unpack, const void* src, int64_t n, const UnpackedRow& out);

}  // namespace sl::cpu
