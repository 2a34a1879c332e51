// IEEE half (fp16) and bfloat16 <-> float32 conversions in portable C++: round-to-nearest-even,
// NaN stays NaN (quiet), infinities and subnormals are exact. Used by the quant formats and tests.
#pragma once

#include <bit>
#include <cstdint>

namespace sl {

inline float fp16_to_fp32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0x1f) {  // Inf or NaN: keep the payload, force NaNs quiet
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13) | (mantissa ? 0x400000u : 0u));
    }
    if (exponent != 0) {
        return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
    if (mantissa == 0) return std::bit_cast<float>(sign);
    // Subnormal half: the value is mantissa * 2^-24, exact in float32.
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
}

inline uint16_t fp32_to_fp16(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t abs_bits = bits & 0x7fffffffu;
    if (abs_bits > 0x7f800000u) return sign | 0x7e00u;  // NaN
    if (abs_bits >= 0x477ff000u) return sign | 0x7c00u; // rounds to >= 65520: infinity
    if (abs_bits < 0x38800000u) {
        // Below the smallest normal half: scale to units of 2^-24 and let the FPU round to even.
        const float units = std::bit_cast<float>(abs_bits) * 0x1p24f;
        const float rounded = units + 0x1p23f - 0x1p23f;  // exact round-to-nearest-even to an integer
        return sign | static_cast<uint16_t>(rounded);
    }
    // Normal: rebias the exponent, then round the 13 dropped mantissa bits to nearest even.
    uint32_t half = ((abs_bits >> 13) - (112u << 10));
    const uint32_t dropped = abs_bits & 0x1fffu;
    if (dropped > 0x1000u || (dropped == 0x1000u && (half & 1u))) ++half;
    return sign | static_cast<uint16_t>(half);
}

inline float bf16_to_fp32(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

inline uint16_t fp32_to_bf16(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);  // quiet NaN
    const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);  // nearest, ties to even
    return static_cast<uint16_t>((bits + rounding) >> 16);
}

}  // namespace sl
