// sl_type_size and sl_quantize: the quant formats at the C ABI (used by `sluice synth` and tests).
#include <cmath>

#include "core/status.h"
#include "cpu/quant/quant.h"
#include "sluice/sluice.h"

namespace {

// The traits of a type that can be stored as a tensor, or a failed status with its reason.
sl_status storable_type(const char* what, int32_t type, const sl::TypeTraits** traits) {
    *traits = sl::type_traits(type);
    if (!*traits) {
        return sl::fail(SL_ERR_UNSUPPORTED,
                        "%s: unknown or unsupported tensor type %d (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, "
                        "Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K)",
                        what, int(type));
    }
    return SL_OK;
}

sl_status check_count(const char* what, const sl::TypeTraits& traits, int64_t n) {
    if (n < 0 || n % traits.block_elems != 0) {
        return sl::fail(SL_ERR_INVALID_ARGUMENT, "%s: %lld elements of %s: the count must be a non-negative multiple of %lld",
                        what, static_cast<long long>(n), traits.name, static_cast<long long>(traits.block_elems));
    }
    return SL_OK;
}

}  // namespace

extern "C" {

sl_status sl_type_size(int32_t type, int64_t n, uint64_t* bytes) {
    return sl::guarded([&] {
        if (!bytes) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_type_size: bytes is NULL");
        const sl::TypeTraits* traits;
        if (sl_status s = storable_type("sl_type_size", type, &traits); s != SL_OK) return s;
        if (sl_status s = check_count("sl_type_size", *traits, n); s != SL_OK) return s;
        *bytes = sl::row_bytes(traits->type, n);
        return SL_OK;
    });
}

sl_status sl_quantize(int32_t type, const float* src, int64_t n, void* dst, uint64_t dst_size) {
    return sl::guarded([&] {
        const sl::TypeTraits* traits;
        if (sl_status s = storable_type("sl_quantize", type, &traits); s != SL_OK) return s;
        if (sl_status s = check_count("sl_quantize", *traits, n); s != SL_OK) return s;
        if (n > 0 && (!src || !dst)) {
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_quantize: %s is NULL", src ? "dst" : "src");
        }
        const uint64_t needed = sl::row_bytes(traits->type, n);
        if (dst_size < needed) {
            return sl::fail(SL_ERR_INVALID_ARGUMENT,
                            "sl_quantize: dst holds %llu bytes but %lld elements of %s need %llu",
                            static_cast<unsigned long long>(dst_size), static_cast<long long>(n), traits->name,
                            static_cast<unsigned long long>(needed));
        }
        for (int64_t i = 0; i < n; ++i) {
            if (!std::isfinite(src[i])) {
                return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_quantize: src[%lld] is %s; only finite values can be quantized",
                                static_cast<long long>(i), std::isnan(src[i]) ? "NaN" : "infinite");
            }
        }
        sl::cpu::quantize_row(traits->type, src, dst, n);
        return SL_OK;
    });
}

}  // extern "C"
