// Per-type block encoders behind quantize_row (quantize_legacy.cpp, quantize_k.cpp).
#pragma once

#include "sluice/sluice.h"

namespace sl::cpu {

// Encodes one block of the type's block_elems floats.
using QuantizeBlockFn = void (*)(const float* x, void* block);

// nullptr when the type is not one of the family's.
QuantizeBlockFn legacy_block_quantizer(sl_type type);  // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
QuantizeBlockFn k_block_quantizer(sl_type type);       // Q2_K ... Q6_K, Q8_K

}  // namespace sl::cpu
