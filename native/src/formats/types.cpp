// The table of supported tensor types and their block geometry.
#include "formats/types.h"

#include "formats/block_layouts.h"

namespace sl {
namespace {

constexpr TypeTraits kTraits[] = {
    {SL_TYPE_F32, "F32", 1, 4, true},
    {SL_TYPE_F16, "F16", 1, 2, true},
    {SL_TYPE_BF16, "BF16", 1, 2, true},
    {SL_TYPE_Q4_0, "Q4_0", kQK, sizeof(BlockQ4_0), true},
    {SL_TYPE_Q4_1, "Q4_1", kQK, sizeof(BlockQ4_1), true},
    {SL_TYPE_Q5_0, "Q5_0", kQK, sizeof(BlockQ5_0), true},
    {SL_TYPE_Q5_1, "Q5_1", kQK, sizeof(BlockQ5_1), true},
    {SL_TYPE_Q8_0, "Q8_0", kQK, sizeof(BlockQ8_0), true},
    {SL_TYPE_Q2_K, "Q2_K", kQK_K, sizeof(BlockQ2_K), true},
    {SL_TYPE_Q3_K, "Q3_K", kQK_K, sizeof(BlockQ3_K), true},
    {SL_TYPE_Q4_K, "Q4_K", kQK_K, sizeof(BlockQ4_K), true},
    {SL_TYPE_Q5_K, "Q5_K", kQK_K, sizeof(BlockQ5_K), true},
    {SL_TYPE_Q6_K, "Q6_K", kQK_K, sizeof(BlockQ6_K), true},
    {SL_TYPE_Q8_K, "Q8_K", kQK_K, sizeof(BlockQ8_K), false},
};

}  // namespace

const TypeTraits* type_traits(int32_t type) {
    for (const TypeTraits& traits : kTraits) {
        if (traits.type == type) return &traits;
    }
    return nullptr;
}

uint64_t row_bytes(sl_type type, int64_t n) {
    const TypeTraits* traits = type_traits(type);
    return traits ? uint64_t(n / traits->block_elems) * traits->block_bytes : 0;
}

}  // namespace sl
