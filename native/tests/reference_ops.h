// Straightforward double-precision versions of the Llama ops, the yardstick for the backend's
// ops and for the reference forward pass of the end-to-end tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace sltest::ref {

using Vec = std::vector<double>;

inline std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> out(n);
    for (float& v : out) v = dist(rng);
    return out;
}

// ‖a − b‖ / ‖b‖.
inline double relative_error(const float* a, const double* b, size_t n) {
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < n; ++i) {
        diff += (a[i] - b[i]) * (a[i] - b[i]);
        norm += b[i] * b[i];
    }
    return std::sqrt(diff / norm);
}

inline Vec rms_norm(const Vec& x, const float* weight, double eps) {
    double sum_sq = 0.0;
    for (double v : x) sum_sq += v * v;
    const double inv = 1.0 / std::sqrt(sum_sq / static_cast<double>(x.size()) + eps);
    Vec out(x.size());
    for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] * inv * weight[i];
    return out;
}

// y = W x with W stored as rows of x.size() floats.
inline Vec matvec(const float* w, int64_t rows, const Vec& x) {
    Vec y(static_cast<size_t>(rows), 0.0);
    for (int64_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < x.size(); ++c) y[static_cast<size_t>(r)] += w[r * static_cast<int64_t>(x.size()) + c] * x[c];
    return y;
}

struct Rope {
    int head_dim;
    int n_rot;
    double base;
    double scale;
    const float* factors;  // n_rot / 2, or null
};

// ggml's NORM mode: adjacent pairs (2i, 2i+1) of each head turn by pos * scale * base^(-2i/n_rot) / factor_i.
inline void rope(Vec& x, const Rope& r, int pos) {
    for (size_t h = 0; h < x.size() / static_cast<size_t>(r.head_dim); ++h)
        for (int i = 0; i < r.n_rot / 2; ++i) {
            double theta = pos * r.scale * std::pow(r.base, -2.0 * i / r.n_rot);
            if (r.factors) theta /= r.factors[i];
            double& a = x[h * static_cast<size_t>(r.head_dim) + 2 * static_cast<size_t>(i)];
            double& b = x[h * static_cast<size_t>(r.head_dim) + 2 * static_cast<size_t>(i) + 1];
            const double a0 = a, b0 = b;
            a = a0 * std::cos(theta) - b0 * std::sin(theta);
            b = a0 * std::sin(theta) + b0 * std::cos(theta);
        }
}

// Attention of one token's query heads over keys/values [0, keys.size()) (the causal window).
inline Vec attention(const Vec& q, const std::vector<Vec>& keys, const std::vector<Vec>& values, int n_head,
                     int n_head_kv, int head_dim) {
    Vec out(q.size(), 0.0);
    const int group = n_head / n_head_kv;
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    for (int h = 0; h < n_head; ++h) {
        const size_t qo = static_cast<size_t>(h) * head_dim, ko = static_cast<size_t>(h / group) * head_dim;
        Vec scores(keys.size());
        for (size_t j = 0; j < keys.size(); ++j) {
            double s = 0.0;
            for (int d = 0; d < head_dim; ++d) s += q[qo + d] * keys[j][ko + d];
            scores[j] = s * scale;
        }
        const double max_score = *std::max_element(scores.begin(), scores.end());
        double sum = 0.0;
        for (double& s : scores) sum += (s = std::exp(s - max_score));
        for (size_t j = 0; j < keys.size(); ++j)
            for (int d = 0; d < head_dim; ++d) out[qo + d] += scores[j] / sum * values[j][ko + d];
    }
    return out;
}

inline Vec swiglu(const Vec& gate, const Vec& up) {
    Vec out(gate.size());
    for (size_t i = 0; i < gate.size(); ++i) out[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
    return out;
}

}  // namespace sltest::ref
