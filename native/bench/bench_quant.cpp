// Decode-speed benchmark of the CPU quant kernels: GB/s of weights streamed by matmul_rows and
// matmul_rows_q8 at one token, against a plain memory read of the same size in the same run; then
// the float path's compute cost per weight at 1 to 64 tokens.
//   sluice_bench_quant [MiB per matrix, default 64] [repetitions, default 10]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "cpu/quant/kernels.h"
#include "cpu/quant/quant.h"

namespace {

using namespace sl::cpu;
using Clock = std::chrono::steady_clock;

// Weight bytes one token of Llama-3.2-1B reads (16 layers of 2048/8192 projections, tied 128256-row output).
constexpr double kLlama1BParams = 16.0 * (2048.0 * 2048 * 2 + 2048.0 * 512 * 2 + 3 * 2048.0 * 8192) + 128256.0 * 2048;

// Best wall time of `reps` runs of body split over `threads` threads (body gets its part index).
double best_seconds(int reps, int threads, const std::function<void(int, int)>& body) {
    double best = 1e30;
    for (int rep = 0; rep < reps; ++rep) {
        const auto start = Clock::now();
        std::vector<std::thread> workers;
        for (int t = 1; t < threads; ++t) workers.emplace_back(body, t, threads);
        body(0, threads);
        for (auto& w : workers) w.join();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

// A plain streaming read: the bandwidth yardstick.
double read_gbs(const std::vector<uint8_t>& buffer, int reps, int threads) {
    volatile uint64_t sink = 0;
    const size_t words = buffer.size() / 8;
    const auto* data = reinterpret_cast<const uint64_t*>(buffer.data());
    const double s = best_seconds(reps, threads, [&](int part, int parts) {
        uint64_t a = 0, b = 0, c = 0, d = 0;
        const size_t begin = words * part / parts, end = words * (part + 1) / parts;
        for (size_t i = begin; i + 4 <= end; i += 4) {
            a += data[i];
            b ^= data[i + 1];
            c += data[i + 2];
            d ^= data[i + 3];
        }
        sink = sink + (a + b + c + d);
    });
    return double(buffer.size()) / s / 1e9;
}

struct Matrix {
    sl_type type;
    int64_t rows, cols;
    std::vector<uint8_t> bytes;
};

// ~mib MiB of weights: 64 distinct quantized rows tiled over the matrix (contents do not matter
// for speed, only that the bytes come from memory, which a matrix larger than the L3 ensures).
Matrix make_matrix(sl_type type, size_t mib) {
    const int64_t cols = 4096;
    const uint64_t stride = row_bytes(type, cols);
    const int64_t rows = int64_t(mib * 1024 * 1024 / stride);
    Matrix m{type, rows, cols, std::vector<uint8_t>(stride * rows)};
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> row(cols);
    for (int64_t r = 0; r < std::min<int64_t>(rows, 64); ++r) {
        for (float& v : row) v = normal(rng);
        quantize_row(type, row.data(), m.bytes.data() + r * stride, cols);
    }
    for (int64_t r = 64; r < rows; ++r) std::memcpy(m.bytes.data() + r * stride, m.bytes.data() + (r % 64) * stride, stride);
    return m;
}

void bench_type(sl_type type, size_t mib, int reps, double read1, double read2) {
    const Matrix m = make_matrix(type, mib);
    std::vector<float> x(m.cols, 0.5f), y(m.rows);
    const sl_type act = activation_type(type);
    std::vector<uint8_t> xq(row_bytes(act, m.cols));
    quantize_activations(act, x.data(), xq.data(), m.cols);
    const auto rows_of = [&](int part, int parts) { return std::pair{m.rows * part / parts, m.rows * (part + 1) / parts}; };
    const auto float_path = [&](int part, int parts) {
        auto [r0, r1] = rows_of(part, parts);
        matmul_rows(type, m.bytes.data(), m.cols, x.data(), m.cols, 1, y.data(), m.rows, r0, r1);
    };
    const auto int8_path = [&](int part, int parts) {
        auto [r0, r1] = rows_of(part, parts);
        matmul_rows_q8(type, m.bytes.data(), m.cols, xq.data(), int64_t(xq.size()), 1, y.data(), m.rows, r0, r1);
    };
    const double gb = double(m.bytes.size()) / 1e9;
    const double bits = 8.0 * double(type_traits(type)->block_bytes) / double(type_traits(type)->block_elems);
    for (int threads : {1, 2}) {
        const double read = threads == 1 ? read1 : read2;
        const double f = gb / best_seconds(reps, threads, float_path);
        const double q = gb / best_seconds(reps, threads, int8_path);
        std::printf("%-5s %dT  matmul_rows %6.2f GB/s (%3.0f%%)  matmul_rows_q8 %6.2f GB/s (%3.0f%%)  "
                    "-> Llama-3.2-1B at %.1f bits: %5.1f tok/s (q8 path)\n",
                    type_traits(type)->name, threads, f, 100 * f / read, q, 100 * q / read, bits,
                    q * 1e9 / (kLlama1BParams * bits / 8));
    }
}

double thread_cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// The compute side alone: matmul_rows over a matrix that stays in L2 (64 rows of 2048), timed in
// CPU time of the calling thread so that time spent waiting for a shared core does not count.
void bench_compute(sl_type type, int reps) {
    const int64_t rows = 64, cols = 2048;
    const uint64_t stride = row_bytes(type, cols);
    std::vector<uint8_t> W(stride * rows);
    std::mt19937 rng(2);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> row(cols);
    for (int64_t r = 0; r < rows; ++r) {
        for (float& v : row) v = normal(rng);
        quantize_row(type, row.data(), W.data() + r * stride, cols);
    }
    std::printf("%-5s ns per weight per token (1 thread, CPU time):", type_traits(type)->name);
    for (int64_t n_tok : {1, 2, 4, 64}) {
        std::vector<float> X(size_t(cols * n_tok)), Y(size_t(rows * n_tok));
        for (float& v : X) v = normal(rng);
        const int calls = int(256 / n_tok) + 1;
        double best = 1e30;
        for (int rep = 0; rep < reps; ++rep) {
            const double start = thread_cpu_seconds();
            for (int c = 0; c < calls; ++c) matmul_rows(type, W.data(), cols, X.data(), cols, n_tok, Y.data(), rows, 0, rows);
            best = std::min(best, thread_cpu_seconds() - start);
        }
        std::printf("  %lld tok %.3f", (long long)n_tok, best * 1e9 / (double(rows * cols) * double(calls * n_tok)));
    }
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
    const size_t mib = argc > 1 ? size_t(std::atoi(argv[1])) : 64;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 10;
    std::vector<uint8_t> buffer(mib * 1024 * 1024, 1);
    const double read1 = read_gbs(buffer, reps, 1), read2 = read_gbs(buffer, reps, 2);
    std::printf("kernels: %s; %zu MiB per matrix, best of %d; one token\n", active_kernels_name(), mib, reps);
    std::printf("plain memory read: %.2f GB/s (1 thread), %.2f GB/s (2 threads)\n", read1, read2);
    for (sl_type type : {SL_TYPE_Q4_0, SL_TYPE_Q8_0, SL_TYPE_Q4_K, SL_TYPE_Q6_K}) bench_type(type, mib, reps, read1, read2);
    for (sl_type type : {SL_TYPE_Q4_0, SL_TYPE_Q8_0, SL_TYPE_Q4_K, SL_TYPE_Q6_K}) bench_compute(type, reps);
    return 0;
}
