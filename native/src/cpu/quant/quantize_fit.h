// Scale fitting shared by the quantizers: round-to-nearest onto a fixed grid, scales stored as fp16
// (or small integer levels of an fp16 super-scale for the K-quants). Non-finite input never turns
// into a NaN/Inf scale: every scale is clamped to the finite fp16 range.
#pragma once

#include <cstdint>

namespace sl::cpu {

// Nearest integer in [lo, hi]; NaN goes to lo.
int round_clamped(float v, int lo, int hi);

// An fp16 scale: its stored bits and the float it decodes to (quantize against what is stored).
struct Fp16Scale {
    uint16_t bits;
    float value;
};
Fp16Scale fp16_scale(float scale);

// Largest |x| over n values, and the value that has it (with its sign).
struct Extreme {
    float magnitude;
    float value;
};
Extreme largest_magnitude(const float* x, int n);

// One K-quant super-block fitted as value = d * scale_level[s] * q - dmin * min_level[s].
struct KFit {
    Fp16Scale d, dmin;  // dmin stays 0 for the symmetric types
    int scale_level[16];
    int min_level[16];
    int8_t q[256];
};

// Unsigned q in [0, q_max] with a non-negative min per sub-block (Q2_K, Q4_K, Q5_K).
void fit_k_affine(const float* x, int sub_len, int q_max, int level_max, KFit* fit);
// Signed q in [-q_neg, q_neg - 1], signed scale levels in [-level_max - 1, level_max] (Q3_K, Q6_K).
void fit_k_symmetric(const float* x, int sub_len, int q_neg, int level_max, KFit* fit);

}  // namespace sl::cpu
