#include "cpu/quant/quantize_fit.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/half.h"

namespace sl::cpu {
namespace {

constexpr float kFp16Max = 65504.0f;
constexpr int kQK_K = 256;

// Small integer levels of per-sub-block values against one stored fp16 super-scale.
Fp16Scale fit_levels(const float* values, int n, int lo, int hi, int* levels) {
    float largest = 0.0f;
    for (int s = 0; s < n; ++s) largest = std::max(largest, std::fabs(values[s]));
    const Fp16Scale super = fp16_scale(largest / float(hi));
    for (int s = 0; s < n; ++s) {
        levels[s] = super.value > 0.0f ? round_clamped(values[s] / super.value, lo, hi) : 0;
    }
    return super;
}

// A sub-block's grid: value = scale * q - offset with q in [q_lo, q_hi].
struct SubGrid {
    float scale, offset;
};

double grid_error(const float* x, int n, SubGrid g, int q_lo, int q_hi) {
    const float inverse = 1.0f / g.scale;
    double err = 0;
    for (int i = 0; i < n; ++i) {
        const double diff = g.scale * round_clamped((x[i] + g.offset) * inverse, q_lo, q_hi) - g.offset - x[i];
        err += diff * diff;
    }
    return err;
}

// The scale search: starting from the range-based grid, refit scale (and offset, kept >= 0, when
// fit_offset) by least squares to the grid points the data rounds to; a few rounds, best kept.
SubGrid refine(const float* x, int n, SubGrid start, int q_lo, int q_hi, bool fit_offset) {
    SubGrid best = start, current = start;
    if (start.scale == 0.0f) return best;
    double best_err = grid_error(x, n, start, q_lo, q_hi);
    for (int round = 0; round < 3; ++round) {
        const float inverse = 1.0f / current.scale;
        double sl = 0, sll = 0, sx = 0, slx = 0;
        for (int i = 0; i < n; ++i) {
            const double l = round_clamped((x[i] + current.offset) * inverse, q_lo, q_hi);
            sl += l;
            sll += l * l;
            sx += x[i];
            slx += l * x[i];
        }
        double scale = sll > 0 ? slx / sll : 0, offset = 0;
        const double det = n * sll - sl * sl;
        if (fit_offset && det > 0) {
            scale = (n * slx - sl * sx) / det;
            offset = -(sx - scale * sl) / n;
            if (offset < 0) scale = slx / sll, offset = 0;
        }
        if (!std::isfinite(scale) || scale == 0 || (fit_offset && scale < 0)) break;
        current = {float(scale), float(offset)};
        const double err = grid_error(x, n, current, q_lo, q_hi);
        if (err < best_err) best = current, best_err = err;
    }
    return best;
}

}  // namespace

int round_clamped(float v, int lo, int hi) {
    if (!(v >= float(lo))) return lo;
    if (v >= float(hi)) return hi;
    // Adding 1.5 * 2^23 makes the FPU round to an integer (nearest, ties to even) in the low
    // mantissa bits; exact for |v| < 2^22, which the clamp guarantees. Far faster than nearbyint.
    const float shifted = v + 12582912.0f;
    return (std::bit_cast<int32_t>(shifted) & 0x007fffff) - 0x00400000;
}

Fp16Scale fp16_scale(float scale) {
    const float bounded = scale <= kFp16Max ? (scale >= -kFp16Max ? scale : -kFp16Max) : kFp16Max;
    const uint16_t bits = fp32_to_fp16(bounded == bounded ? bounded : 0.0f);
    return {bits, fp16_to_fp32(bits)};
}

Extreme largest_magnitude(const float* x, int n) {
    Extreme extreme{0.0f, 0.0f};
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > extreme.magnitude) extreme = {std::fabs(x[i]), x[i]};
    }
    return extreme;
}

void fit_k_affine(const float* x, int sub_len, int q_max, int level_max, KFit* fit) {
    const int n_sub = kQK_K / sub_len;
    float sub_scale[16], sub_min[16];
    for (int s = 0; s < n_sub; ++s) {
        const float* v = x + s * sub_len;
        float lo = 0.0f, hi = 0.0f;  // the range always includes 0, so the min is never negative
        for (int i = 0; i < sub_len; ++i) {
            lo = std::min(lo, v[i]);
            hi = std::max(hi, v[i]);
        }
        const SubGrid g = refine(v, sub_len, {(hi - lo) / float(q_max), -lo}, 0, q_max, true);
        sub_scale[s] = g.scale;
        sub_min[s] = g.offset;
    }
    fit->d = fit_levels(sub_scale, n_sub, 0, level_max, fit->scale_level);
    fit->dmin = fit_levels(sub_min, n_sub, 0, level_max, fit->min_level);
    for (int e = 0; e < kQK_K; ++e) {
        const int s = e / sub_len;
        const float scale = fit->d.value * float(fit->scale_level[s]);
        const float offset = fit->dmin.value * float(fit->min_level[s]);
        fit->q[e] = int8_t(scale > 0.0f ? round_clamped((x[e] + offset) / scale, 0, q_max) : 0);
    }
}

void fit_k_symmetric(const float* x, int sub_len, int q_neg, int level_max, KFit* fit) {
    const int n_sub = kQK_K / sub_len;
    float sub_scale[16];
    for (int s = 0; s < n_sub; ++s) {
        // The element of largest magnitude lands exactly on -q_neg, the grid's longer side.
        const float start = largest_magnitude(x + s * sub_len, sub_len).value / float(-q_neg);
        sub_scale[s] = refine(x + s * sub_len, sub_len, {start, 0.0f}, -q_neg, q_neg - 1, false).scale;
    }
    fit->d = fit_levels(sub_scale, n_sub, -level_max - 1, level_max, fit->scale_level);
    fit->dmin = {0, 0.0f};
    for (int e = 0; e < kQK_K; ++e) {
        const float scale = fit->d.value * float(fit->scale_level[e / sub_len]);
        fit->q[e] = int8_t(scale != 0.0f ? round_clamped(x[e] / scale, -q_neg, q_neg - 1) : 0);
    }
}

}  // namespace sl::cpu
