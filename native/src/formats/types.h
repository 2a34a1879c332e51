// The tensor types every backend reads: ggml ids, block geometry, bytes per row. Backend-neutral:
// the model checks shapes with it, the CPU and CUDA kernels size their rows with it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sluice/sluice.h"

namespace sl {

struct TypeTraits {
    sl_type type;
    const char* name;
    int64_t block_elems;
    size_t block_bytes;
    bool is_weight_type;  // false for the activation-only formats (Q8_K)
};

// nullptr for an unknown or unsupported id.
const TypeTraits* type_traits(int32_t type);
// Bytes of n elements; n must be a multiple of block_elems.
uint64_t row_bytes(sl_type type, int64_t n);

}  // namespace sl
