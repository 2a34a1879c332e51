// fp16 / bf16 <-> fp32: exact values, rounding to nearest even, subnormals, infinities and NaN.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "check.h"
#include "core/half.h"

namespace {

float from_bits(uint32_t bits) { return std::bit_cast<float>(bits); }

void test_fp16_decode() {
    CHECK_EQ(sl::fp16_to_fp32(0x3C00) == 1.0f, true);
    CHECK_EQ(sl::fp16_to_fp32(0xC000) == -2.0f, true);
    CHECK_EQ(sl::fp16_to_fp32(0x7BFF) == 65504.0f, true);
    CHECK_EQ(sl::fp16_to_fp32(0x0400) == 0x1p-14f, true);  // smallest normal
    CHECK_EQ(sl::fp16_to_fp32(0x0001) == 0x1p-24f, true);  // smallest subnormal
    CHECK_EQ(sl::fp16_to_fp32(0x03FF) == 1023 * 0x1p-24f, true);
    CHECK_EQ(sl::fp16_to_fp32(0x8001) == -0x1p-24f, true);
    CHECK(std::signbit(sl::fp16_to_fp32(0x8000)) && sl::fp16_to_fp32(0x8000) == 0.0f);
    CHECK(std::isinf(sl::fp16_to_fp32(0x7C00)) && sl::fp16_to_fp32(0x7C00) > 0);
    CHECK(std::isinf(sl::fp16_to_fp32(0xFC00)) && sl::fp16_to_fp32(0xFC00) < 0);
    CHECK(std::isnan(sl::fp16_to_fp32(0x7E00)));
    CHECK(std::isnan(sl::fp16_to_fp32(0x7C01)));  // signalling NaN payload stays a NaN
}

void test_fp16_encode() {
    CHECK_EQ(sl::fp32_to_fp16(1.0f), 0x3C00);
    CHECK_EQ(sl::fp32_to_fp16(-2.0f), 0xC000);
    CHECK_EQ(sl::fp32_to_fp16(65504.0f), 0x7BFF);
    CHECK_EQ(sl::fp32_to_fp16(65519.0f), 0x7BFF);  // below the halfway point to 65536
    CHECK_EQ(sl::fp32_to_fp16(65520.0f), 0x7C00);  // halfway rounds to even: infinity
    CHECK_EQ(sl::fp32_to_fp16(1e10f), 0x7C00);
    CHECK_EQ(sl::fp32_to_fp16(-std::numeric_limits<float>::infinity()), 0xFC00);
    const uint16_t nan = sl::fp32_to_fp16(std::numeric_limits<float>::quiet_NaN());
    CHECK((nan & 0x7C00) == 0x7C00 && (nan & 0x03FF) != 0);
    // Ties to even: 1 + 2^-11 sits halfway between 1 and 1 + 2^-10.
    CHECK_EQ(sl::fp32_to_fp16(1.0f + 0x1p-11f), 0x3C00);
    CHECK_EQ(sl::fp32_to_fp16(1.0f + 3 * 0x1p-11f), 0x3C02);
    CHECK_EQ(sl::fp32_to_fp16(1.0f + 0x1p-11f + 0x1p-20f), 0x3C01);
    // Subnormals, their rounding, and the carry into the smallest normal.
    CHECK_EQ(sl::fp32_to_fp16(0x1p-24f), 0x0001);
    CHECK_EQ(sl::fp32_to_fp16(0x1p-25f), 0x0000);          // halfway to 0: even
    CHECK_EQ(sl::fp32_to_fp16(0x1.8p-24f), 0x0002);        // halfway between 1 and 2 units: even
    CHECK_EQ(sl::fp32_to_fp16(-0x1p-24f), 0x8001);
    CHECK_EQ(sl::fp32_to_fp16(1023.5f * 0x1p-24f), 0x0400);
    CHECK_EQ(sl::fp32_to_fp16(1e-10f), 0x0000);
    CHECK_EQ(sl::fp32_to_fp16(-0.0f), 0x8000);
}

void test_fp16_round_trip_all() {
    int mismatches = 0;
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = sl::fp16_to_fp32(uint16_t(h));
        if (std::isnan(f)) continue;
        if (sl::fp32_to_fp16(f) != h) ++mismatches;
    }
    CHECK_EQ(mismatches, 0);
}

void test_bf16() {
    CHECK_EQ(sl::bf16_to_fp32(0x3F80) == 1.0f, true);
    CHECK_EQ(sl::bf16_to_fp32(0xC040) == -3.0f, true);
    CHECK_EQ(sl::fp32_to_bf16(1.0f), 0x3F80);
    CHECK_EQ(sl::fp32_to_bf16(from_bits(0x3F808000)), 0x3F80);  // tie, even stays
    CHECK_EQ(sl::fp32_to_bf16(from_bits(0x3F818000)), 0x3F82);  // tie, odd rounds up
    CHECK_EQ(sl::fp32_to_bf16(from_bits(0x3F808001)), 0x3F81);
    CHECK_EQ(sl::fp32_to_bf16(from_bits(0x7F7FFFFF)), 0x7F80);  // largest float rounds to infinity
    CHECK_EQ(sl::fp32_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
    CHECK_EQ(sl::fp32_to_bf16(from_bits(0x00000001)), 0x0000);  // float subnormal below bf16's reach
    CHECK_EQ(sl::fp32_to_bf16(from_bits(0x00018000)), 0x0002);  // bf16 subnormal, tie to even
    CHECK(std::isnan(sl::bf16_to_fp32(sl::fp32_to_bf16(from_bits(0x7F800001)))));  // NaN never becomes Inf
    CHECK(std::isnan(sl::bf16_to_fp32(sl::fp32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
}

}  // namespace

int main() {
    test_fp16_decode();
    test_fp16_encode();
    test_fp16_round_trip_all();
    test_bf16();
    return sltest::finish("test_quant_half");
}
