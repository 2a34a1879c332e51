// Every quantized format decodes the same way: a block becomes small integers q[] plus, per
// sub-block s, a float scale and min with value = scale[s] * q - min[s]. The dequantizers, the
// scalar matmuls and the AVX2 kernels all start from this one decoded form, so each bit layout is
// written once per instruction set (unpack.cpp, unpack_avx2.h).
#pragma once

#include <cstddef>
#include <cstdint>

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

// The AVX2 decoder of a block-quantized weight type (unpack_avx2.cpp), or nullptr; call only on a
// CPU with AVX2 and F16C. The matmul kernels inline these decoders; tests compare them with the
// scalar ones.
UnpackFn avx2_unpacker(sl_type type);

// Unpacks a whole row of n elements into out with the format's scalar decoder.
void unpack_row(const QuantFormat& format, const void* src, int64_t n, const UnpackedRow& out);

}  // namespace sl::cpu
