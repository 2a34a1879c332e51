// Speed of the CPU quant kernels in the 8-bit activation path (matmul_rows_q8), the one split
// layers run, beside a plain memory read of the same size in the same run:
//  1. streaming: GB/s of weights at one token, 1 and 2 threads, matrix far larger than the caches;
//  2. compute: ns per weight per token at 1..8 tokens on an L2-resident matrix, in the calling
//     thread's CPU time (a neighbour taking the core does not count), per kernel set;
//  3. activation quantization: ns per element.
//   sluice_bench_quant [MiB per matrix, default 1024] [repetitions, default 5] [types, default q4_k,q6_k,q4_0,q8_0]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cpu/quant/kernels.h"
#include "cpu/quant/quant.h"

namespace {

using namespace sl;
using namespace sl::cpu;
using Clock = std::chrono::steady_clock;

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

// A plain streaming read with the kernels' prefetch: the bandwidth yardstick.
double read_gbs(const std::vector<uint8_t>& buffer, int reps, int threads) {
    volatile uint64_t sink = 0;
    const size_t words = buffer.size() / 8;
    const auto* data = reinterpret_cast<const uint64_t*>(buffer.data());
    const double s = best_seconds(reps, threads, [&](int part, int parts) {
        uint64_t a = 0, b = 0, c = 0, d = 0;
        const size_t begin = words * part / parts, end = words * (part + 1) / parts;
        for (size_t i = begin; i + 4 <= end; i += 4) {
            if (i % 8 == 0) __builtin_prefetch(data + i + 256);  // 2 KiB ahead, as the kernels read
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

// rows x cols of weights: 64 distinct quantized rows tiled over the matrix (contents do not
// matter for speed, only that the bytes come from memory when the matrix is large).
Matrix make_matrix(sl_type type, int64_t rows, int64_t cols) {
    const uint64_t stride = row_bytes(type, cols);
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

struct Activations8 {
    std::vector<uint8_t> bytes;
    int64_t stride;
};

Activations8 quantized_x(sl_type type, int64_t cols, int64_t n_tok) {
    const sl_type act = activation_type(type);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(cols));
    Activations8 out{std::vector<uint8_t>(row_bytes(act, cols) * n_tok), int64_t(row_bytes(act, cols))};
    for (int64_t t = 0; t < n_tok; ++t) {
        for (float& v : x) v = normal(rng);
        quantize_activations(act, x.data(), out.bytes.data() + t * out.stride, cols);
    }
    return out;
}

void bench_stream(sl_type type, size_t mib, int reps, double read1, double read2) {
    const int64_t cols = 4096;
    const Matrix m = make_matrix(type, int64_t(mib * 1024 * 1024 / row_bytes(type, cols)), cols);
    const Activations8 xq = quantized_x(type, cols, 1);
    std::vector<float> y(m.rows);
    const auto int8_path = [&](int part, int parts) {
        const int64_t r0 = m.rows * part / parts, r1 = m.rows * (part + 1) / parts;
        matmul_rows_q8(type, m.bytes.data(), m.cols, xq.bytes.data(), xq.stride, 1, y.data(), m.rows, r0, r1);
    };
    const double gb = double(m.bytes.size()) / 1e9;
    std::printf("%-5s stream, 1 token:", type_traits(type)->name);
    for (int threads : {1, 2}) {
        const double read = threads == 1 ? read1 : read2;
        const double q = gb / best_seconds(reps, threads, int8_path);
        std::printf("  %dT %6.2f GB/s (%3.0f%% of read)", threads, q, 100 * q / read);
    }
    std::printf("\n");
}

double thread_cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// The compute side alone: 64 rows of 4096 (at most ~280 KiB: L2), CPU time of this thread.
void bench_compute(sl_type type, int reps) {
    const int64_t rows = 64, cols = 4096;
    const Matrix m = make_matrix(type, rows, cols);
    std::printf("%-5s compute, ns/weight/token:", type_traits(type)->name);
    for (int64_t n_tok : {1, 2, 3, 4, 8}) {
        const Activations8 xq = quantized_x(type, cols, n_tok);
        std::vector<float> Y(size_t(rows * n_tok));
        const int calls = int(512 / n_tok) + 1;
        double best = 1e30;
        for (int rep = 0; rep < reps; ++rep) {
            const double start = thread_cpu_seconds();
            for (int c = 0; c < calls; ++c)
                matmul_rows_q8(type, m.bytes.data(), cols, xq.bytes.data(), xq.stride, n_tok, Y.data(), rows, 0, rows);
            best = std::min(best, thread_cpu_seconds() - start);
        }
        const double ns = best * 1e9 / (double(rows * cols) * double(calls * n_tok));
        const double bytes_per_weight = double(type_traits(type)->block_bytes) / type_traits(type)->block_elems;
        std::printf("  %lldt %.4f (%4.0f GB/s)", (long long)n_tok, ns, bytes_per_weight / (ns * n_tok));
    }
    std::printf("\n");
}

void bench_quantize(sl_type act, int reps) {
    const int64_t n = 8192;
    std::vector<float> x(n);
    std::mt19937 rng(4);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& v : x) v = normal(rng);
    std::vector<uint8_t> out(row_bytes(act, n));
    double best = 1e30;
    for (int rep = 0; rep < reps; ++rep) {
        const double start = thread_cpu_seconds();
        for (int c = 0; c < 200; ++c) quantize_activations(act, x.data(), out.data(), n);
        best = std::min(best, thread_cpu_seconds() - start);
    }
    std::printf("quantize_activations %s: %.3f ns/element\n", type_traits(act)->name, best * 1e9 / (200.0 * n));
}

sl_type type_named(const std::string& name) {
    for (int t = 0; t < 64; ++t) {
        const TypeTraits* traits = type_traits(sl_type(t));
        if (traits && strcasecmp(traits->name, name.c_str()) == 0) return sl_type(t);
    }
    std::fprintf(stderr, "unknown type %s\n", name.c_str());
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    const size_t mib = argc > 1 ? size_t(std::atoi(argv[1])) : 1024;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    std::vector<sl_type> types;
    std::string list = argc > 3 ? argv[3] : "q4_k,q6_k,q4_0,q8_0";
    for (size_t at = 0; at <= list.size();) {
        const size_t comma = std::min(list.find(','), list.size());
        types.push_back(type_named(list.substr(at, comma - at)));
        list = comma < list.size() ? list.substr(comma + 1) : "";
        if (list.empty()) break;
    }
    std::printf("kernels: %s; best of %d\n", active_kernels_name(), reps);
    for (sl_type type : types) bench_compute(type, reps);
    bench_quantize(SL_TYPE_Q8_K, reps);
    bench_quantize(SL_TYPE_Q8_0, reps);
    if (mib > 0) {
        std::vector<uint8_t> buffer(mib * 1024 * 1024, 1);
        const double read1 = read_gbs(buffer, reps, 1), read2 = read_gbs(buffer, reps, 2);
        std::printf("plain memory read, %zu MiB: %.2f GB/s (1 thread), %.2f GB/s (2 threads)\n", mib, read1, read2);
        for (sl_type type : types) bench_stream(type, mib, reps, read1, read2);
    }
    return 0;
}
