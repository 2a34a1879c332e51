// Which activation format pairs with each weight type in the 8-bit path.
#include "cpu/quant/quant.h"

namespace sl::cpu {

sl_type activation_type(sl_type weight_type) {
    switch (weight_type) {
        case SL_TYPE_Q4_0:
        case SL_TYPE_Q4_1:
        case SL_TYPE_Q5_0:
        case SL_TYPE_Q5_1:
        case SL_TYPE_Q8_0:
            return SL_TYPE_Q8_0;
        case SL_TYPE_Q2_K:
        case SL_TYPE_Q3_K:
        case SL_TYPE_Q4_K:
        case SL_TYPE_Q5_K:
        case SL_TYPE_Q6_K:
            return SL_TYPE_Q8_K;
        default:
            return SL_TYPE_F32;
    }
}

}  // namespace sl::cpu
