// Random tensors for the CUDA parity tests: block-quantized weights whose quant bits are all random
// and whose fp16 scales are random but sane, float weights in [-1, 1], normal activations.
#pragma once

#include <cstring>
#include <random>
#include <vector>

#include "core/half.h"
#include "cpu/quant/quant.h"
#include "formats/types.h"

namespace sltest {

// Byte offsets of the fp16 scale fields (d, then dmin or m) in each block, from ggml's layouts.
struct ScaleFields {
    sl_type type;
    int d_at;
    int second_at;  // -1: none
    bool second_signed;
};
inline constexpr ScaleFields kScaleFields[] = {
    {SL_TYPE_Q4_0, 0, -1, false},   {SL_TYPE_Q4_1, 0, 2, true},  {SL_TYPE_Q5_0, 0, -1, false},
    {SL_TYPE_Q5_1, 0, 2, true},     {SL_TYPE_Q8_0, 0, -1, false}, {SL_TYPE_Q2_K, 80, 82, false},
    {SL_TYPE_Q3_K, 108, -1, false}, {SL_TYPE_Q4_K, 0, 2, false},  {SL_TYPE_Q5_K, 0, 2, false},
    {SL_TYPE_Q6_K, 208, -1, false},
};

inline const sl_type kWeightTypes[] = {SL_TYPE_F32,  SL_TYPE_F16,  SL_TYPE_BF16, SL_TYPE_Q4_0, SL_TYPE_Q4_1,
                                       SL_TYPE_Q5_0, SL_TYPE_Q5_1, SL_TYPE_Q8_0, SL_TYPE_Q2_K, SL_TYPE_Q3_K,
                                       SL_TYPE_Q4_K, SL_TYPE_Q5_K, SL_TYPE_Q6_K};

inline bool is_float_type(sl_type type) {
    return type == SL_TYPE_F32 || type == SL_TYPE_F16 || type == SL_TYPE_BF16;
}

inline std::vector<uint8_t> random_weights(std::mt19937& rng, sl_type type, int64_t rows, int64_t cols) {
    std::vector<uint8_t> w(sl::row_bytes(type, cols) * rows);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f), scale(1e-3f, 2e-2f);
    if (is_float_type(type)) {
        std::vector<float> x(size_t(rows * cols));
        for (float& v : x) v = value(rng);
        sl::cpu::quantize_row(type, x.data(), w.data(), rows * cols);
        return w;
    }
    for (uint8_t& b : w) b = uint8_t(rng());
    const size_t block_bytes = sl::type_traits(type)->block_bytes;
    auto put_half = [](uint8_t* at, float v) {
        const uint16_t h = sl::fp32_to_fp16(v);
        std::memcpy(at, &h, 2);
    };
    for (const ScaleFields& f : kScaleFields) {
        if (f.type != type) continue;
        for (size_t at = 0; at < w.size(); at += block_bytes) {
            put_half(&w[at + f.d_at], scale(rng));
            if (f.second_at >= 0) put_half(&w[at + f.second_at], f.second_signed ? value(rng) * 0.05f : scale(rng));
        }
    }
    return w;
}

inline std::vector<float> random_activations(std::mt19937& rng, size_t n) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    return x;
}

}  // namespace sltest
