// The prefill GEMMs against float64 on fresh random data: gemm_f16 over fp16-rounded inputs (the
// reference sees the same rounded values, so only fp32 accumulation differs), gemm_f32, and
// convert_f32_to_f16 bit for bit against core/half.h. Odd token counts, weight rows off the tile,
// cols with a 16-element k tail, row strides wider than the data, the accumulate flag, and three
// matrices in one launch.
// Outputs start as NaN: every element must be written, and the stride padding must stay NaN.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "check.h"
#include "core/half.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"

namespace {

using sltest::DeviceBuffer;

struct Case {
    int64_t n_tok, rows, cols;
    int64_t pad;  // extra elements per row of x, w and y
    bool accumulate;
};

const Case kCases[] = {
    {1, 64, 64, 0, false},     {3, 130, 96, 8, false},    {17, 257, 528, 0, true},  {100, 1000, 4096, 16, false},
    {512, 300, 256, 0, false}, {129, 129, 48, 8, true},   {512, 2048, 1024, 0, false}, {2, 7, 16, 0, true},
    {256, 128, 2048, 0, true},
};

std::vector<float> random_floats(std::mt19937& rng, size_t n, float scale) {
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

// y (n_tok x ldy) initial contents: NaN where the kernel must write (unless accumulating onto
// random values) and NaN in the padding, which it must not touch.
std::vector<float> initial_y(std::mt19937& rng, const Case& c, int64_t ldy) {
    std::vector<float> y(static_cast<size_t>(c.n_tok * ldy), NAN);
    if (c.accumulate) {
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        for (int64_t t = 0; t < c.n_tok; ++t)
            for (int64_t r = 0; r < c.rows; ++r) y[t * ldy + r] = dist(rng);
    }
    return y;
}

// ||out - ref|| / ||ref|| over the written elements; counts unwritten (non-finite) ones and
// touched padding in `bad`.
double compare(const std::vector<float>& out, const std::vector<double>& ref, const Case& c, int64_t ldy,
               int64_t& bad) {
    double num = 0.0, den = 0.0;
    bad = 0;
    for (int64_t t = 0; t < c.n_tok; ++t) {
        for (int64_t r = 0; r < ldy; ++r) {
            const float o = out[t * ldy + r];
            if (r >= c.rows) {
                bad += !std::isnan(o);
                continue;
            }
            if (!std::isfinite(o)) {
                if (bad < 3) std::printf("  unwritten/non-finite y[%lld][%lld] = %g\n", (long long)t, (long long)r, o);
                ++bad;
                continue;
            }
            const double e = o - ref[t * c.rows + r];
            num += e * e;
            den += ref[t * c.rows + r] * ref[t * c.rows + r];
        }
    }
    return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

template <class Get>
std::vector<double> reference(const Case& c, int64_t ldx, int64_t ldw, int64_t ldy, const std::vector<float>& y0,
                              Get&& xw) {
    std::vector<double> ref(static_cast<size_t>(c.n_tok * c.rows));
    for (int64_t t = 0; t < c.n_tok; ++t) {
        for (int64_t r = 0; r < c.rows; ++r) {
            double s = c.accumulate ? y0[t * ldy + r] : 0.0;
            for (int64_t k = 0; k < c.cols; ++k) s += xw(t * ldx + k, r * ldw + k);
            ref[t * c.rows + r] = s;
        }
    }
    return ref;
}

void test_convert(std::mt19937& rng) {
    const int64_t n_rows = 37, cols = 200, ldx = 211;
    std::vector<float> x = random_floats(rng, static_cast<size_t>(n_rows * ldx), 30.0f);
    x[5] = 1e-6f, x[6] = -3e-8f, x[7] = 65504.0f, x[8] = 0.0f, x[9] = -0.0f;  // subnormal, max, zeros
    DeviceBuffer<float> dx(x);
    DeviceBuffer<uint16_t> dout(static_cast<size_t>(n_rows * cols));
    sl::cuda::convert_f32_to_f16(dx.get(), ldx, n_rows, cols, dout.get(), nullptr);
    const std::vector<uint16_t> out = dout.download();
    int64_t mismatches = 0;
    for (int64_t r = 0; r < n_rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            const uint16_t want = sl::fp32_to_fp16(x[r * ldx + c]);
            if (out[r * cols + c] != want) {
                if (mismatches < 3)
                    std::printf("  convert: [%lld][%lld] %g -> 0x%04x, want 0x%04x\n", (long long)r, (long long)c,
                                x[r * ldx + c], out[r * cols + c], want);
                ++mismatches;
            }
        }
    std::printf("convert_f32_to_f16 %lldx%lld (ldx %lld): %lld mismatches\n", (long long)n_rows, (long long)cols,
                (long long)ldx, (long long)mismatches);
    CHECK_EQ(mismatches, 0);
}

void test_f16(std::mt19937& rng, const Case& c) {
    const int64_t ldx = c.cols + c.pad, ldw = c.cols + c.pad, ldy = c.rows + c.pad;
    // x goes through convert_f32_to_f16 as in the backend; w is fp16 as dequantize_rows_f16 leaves it.
    const std::vector<float> xf = random_floats(rng, static_cast<size_t>(c.n_tok * ldx), 1.0f);
    const std::vector<float> wf = random_floats(rng, static_cast<size_t>(c.rows * ldw), 0.05f);
    std::vector<uint16_t> wh(wf.size());
    std::vector<double> xr(xf.size()), wr(wf.size());
    for (size_t i = 0; i < wf.size(); ++i) wh[i] = sl::fp32_to_fp16(wf[i]), wr[i] = sl::fp16_to_fp32(wh[i]);
    for (size_t i = 0; i < xf.size(); ++i) xr[i] = sl::fp16_to_fp32(sl::fp32_to_fp16(xf[i]));
    const std::vector<float> y0 = initial_y(rng, c, ldy);

    DeviceBuffer<float> dxf(xf);
    DeviceBuffer<uint16_t> dx(xf.size()), dw(wh);
    DeviceBuffer<float> dy(y0);
    sl::cuda::convert_f32_to_f16(dxf.get(), ldx, c.n_tok, ldx, dx.get(), nullptr);
    sl::cuda::gemm_f16(dx.get(), ldx, c.n_tok, dw.get(), ldw, c.rows, c.cols, dy.get(), ldy, c.accumulate, nullptr);
    const std::vector<float> y = dy.download();

    const std::vector<double> ref =
        reference(c, ldx, ldw, ldy, y0, [&](int64_t xi, int64_t wi) { return xr[xi] * wr[wi]; });
    int64_t bad = 0;
    const double err = compare(y, ref, c, ldy, bad);
    std::printf("gemm_f16 %4lld x %5lld x %5lld pad %2lld acc %d | rel err %.2e | bad %lld\n", (long long)c.n_tok,
                (long long)c.rows, (long long)c.cols, (long long)c.pad, c.accumulate, err, (long long)bad);
    CHECK_EQ(bad, 0);
    CHECK(err < 1e-4);
}

// Several weight matrices in one launch (Q, K and V), each with its own rows, strides and output:
// every part against its own reference, row counts off the tile so each part's last tile is partial.
void test_f16_grouped(std::mt19937& rng, int64_t n_tok, int64_t cols, bool accumulate) {
    const int64_t rows[] = {300, 7, 129}, ldx = cols + 8;
    const std::vector<float> xf = random_floats(rng, static_cast<size_t>(n_tok * ldx), 1.0f);
    std::vector<double> xr(xf.size());
    for (size_t i = 0; i < xf.size(); ++i) xr[i] = sl::fp16_to_fp32(sl::fp32_to_fp16(xf[i]));
    DeviceBuffer<float> dxf(xf);
    DeviceBuffer<uint16_t> dx(xf.size());
    sl::cuda::convert_f32_to_f16(dxf.get(), ldx, n_tok, ldx, dx.get(), nullptr);
    struct Part {
        Case c;
        int64_t ldw, ldy;
        std::vector<double> wr;
        std::vector<float> y0;
        std::unique_ptr<DeviceBuffer<uint16_t>> dw;
        std::unique_ptr<DeviceBuffer<float>> dy;
    };
    std::vector<Part> parts;
    std::vector<sl::cuda::GemmPart> launch;
    for (size_t i = 0; i < std::size(rows); ++i) {
        const Case c{n_tok, rows[i], cols, int64_t(8 * i), accumulate};
        const int64_t ldw = cols + 8 * int64_t(i), ldy = rows[i] + 8 * int64_t(i);
        const std::vector<float> wf = random_floats(rng, static_cast<size_t>(c.rows * ldw), 0.05f);
        std::vector<uint16_t> wh(wf.size());
        std::vector<double> wr(wf.size());
        for (size_t j = 0; j < wf.size(); ++j) wh[j] = sl::fp32_to_fp16(wf[j]), wr[j] = sl::fp16_to_fp32(wh[j]);
        std::vector<float> y0 = initial_y(rng, c, ldy);
        parts.push_back({c, ldw, ldy, std::move(wr), y0, std::make_unique<DeviceBuffer<uint16_t>>(wh),
                         std::make_unique<DeviceBuffer<float>>(y0)});
        launch.push_back({parts.back().dw->get(), ldw, c.rows, parts.back().dy->get(), ldy});
    }
    sl::cuda::gemm_f16(dx.get(), ldx, n_tok, launch, cols, accumulate, nullptr);
    for (size_t i = 0; i < parts.size(); ++i) {
        const Part& p = parts[i];
        const std::vector<double> ref =
            reference(p.c, ldx, p.ldw, p.ldy, p.y0, [&](int64_t xi, int64_t wi) { return xr[xi] * p.wr[wi]; });
        int64_t bad = 0;
        const double err = compare(p.dy->download(), ref, p.c, p.ldy, bad);
        std::printf("gemm_f16 grouped part %zu: %4lld x %5lld x %5lld acc %d | rel err %.2e | bad %lld\n", i,
                    (long long)n_tok, (long long)p.c.rows, (long long)cols, accumulate, err, (long long)bad);
        CHECK_EQ(bad, 0);
        CHECK(err < 1e-4);
    }
}

void test_f32(std::mt19937& rng, const Case& c) {
    const int64_t ldx = c.cols + c.pad, ldw = c.cols + c.pad + 1, ldy = c.rows + c.pad;  // odd ldw: no alignment
    const std::vector<float> x = random_floats(rng, static_cast<size_t>(c.n_tok * ldx), 1.0f);
    const std::vector<float> w = random_floats(rng, static_cast<size_t>(c.rows * ldw), 0.05f);
    const std::vector<float> y0 = initial_y(rng, c, ldy);
    DeviceBuffer<float> dx(x), dw(w), dy(y0);
    sl::cuda::gemm_f32(dx.get(), ldx, c.n_tok, dw.get(), ldw, c.rows, c.cols, dy.get(), ldy, c.accumulate, nullptr);
    const std::vector<float> y = dy.download();
    const std::vector<double> ref = reference(c, ldx, ldw, ldy, y0, [&](int64_t xi, int64_t wi) {
        return static_cast<double>(x[xi]) * w[wi];
    });
    int64_t bad = 0;
    const double err = compare(y, ref, c, ldy, bad);
    std::printf("gemm_f32 %4lld x %5lld x %5lld pad %2lld acc %d | rel err %.2e | bad %lld\n", (long long)c.n_tok,
                (long long)c.rows, (long long)c.cols, (long long)c.pad, c.accumulate, err, (long long)bad);
    CHECK_EQ(bad, 0);
    CHECK(err < 1e-5);
}

}  // namespace

int main() {
    if (const char* reason = sltest::cuda_skip_reason()) return sltest::skip("test_cuda_gemm", reason);
    std::mt19937 rng(std::random_device{}());
    test_convert(rng);
    std::printf("(n_tok x rows x cols; rel err = ||out - ref|| / ||ref|| vs float64; bad = unwritten or padding touched)\n");
    for (const Case& c : kCases) test_f16(rng, c);
    test_f16_grouped(rng, 100, 528, false);
    test_f16_grouped(rng, 513, 256, true);
    for (const Case& c : kCases)
        if (c.n_tok * c.rows * c.cols <= (int64_t{1} << 29)) test_f32(rng, c);  // keeps the float64 reference quick
    // An odd f32 shape: cols not a multiple of the k tile.
    test_f32(rng, Case{5, 70, 37, 3, false});
    return sltest::finish("test_cuda_gemm");
}
