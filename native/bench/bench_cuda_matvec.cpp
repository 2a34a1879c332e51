// Decode-speed benchmark of the CUDA matvec on Llama-3.1-8B shapes, every weight type: GB/s of
// weights read (timed with CUDA events over back-to-back launches that rotate among enough weight
// buffers that L2 cannot serve them) against a device-to-device cudaMemcpy measured in the same
// run (read + write bytes). The fused shapes (attn_qkv, ffn_gate+up) are one launch of several
// matrices, as the decode step runs them; the last line per type weighs the shapes as one token of
// the 8B does (the fused launches, not the single K, V, gate and up). With SLUICE_CUDA_OVERLAP=1
// back-to-back launches overlap (launch.cuh).
//   sluice_bench_cuda_matvec [n_tok, default 1] [launches per shape, default 50]
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/status.h"
#include "cuda/ops.h"
#include "formats/types.h"
#include "sluice/sluice.h"

namespace {

void must(cudaError_t err, const char* what) {
    if (err == cudaSuccess) return;
    std::fprintf(stderr, "error: %s: %s\n", what, cudaGetErrorString(err));
    std::exit(1);
}

// One launch: matrices of `rows[i]` x cols sharing the activations (Q, K and V; gate and up).
struct Shape {
    std::vector<int64_t> rows;
    int64_t cols;
    const char* role;
    int per_token;  // launches of this shape one token of Llama-3.1-8B makes, as the graph runs it now
};
const Shape kShapes[] = {{{4096}, 4096, "attn_q,o", 32},          {{1024}, 4096, "attn_k,v", 0},
                         {{14336}, 4096, "ffn_gate,up", 0},        {{4096}, 14336, "ffn_down", 32},
                         {{128256}, 4096, "output", 1},            {{4096, 1024, 1024}, 4096, "attn_qkv", 32},
                         {{14336, 14336}, 4096, "ffn_gate+up", 32}};
constexpr sl_type kTypes[] = {SL_TYPE_F32,  SL_TYPE_F16,  SL_TYPE_BF16, SL_TYPE_Q4_0, SL_TYPE_Q4_1,
                              SL_TYPE_Q5_0, SL_TYPE_Q5_1, SL_TYPE_Q8_0, SL_TYPE_Q2_K, SL_TYPE_Q3_K,
                              SL_TYPE_Q4_K, SL_TYPE_Q5_K, SL_TYPE_Q6_K};
constexpr size_t kRotationBytes = size_t(512) << 20;  // far beyond the 50-60 MB L2

float elapsed_ms(cudaEvent_t a, cudaEvent_t b) {
    float ms = 0;
    must(cudaEventElapsedTime(&ms, a, b), "cudaEventElapsedTime");
    return ms;
}

double copy_bandwidth(cudaEvent_t start, cudaEvent_t stop) {
    const size_t bytes = size_t(1) << 30;
    void *src = nullptr, *dst = nullptr;
    must(cudaMalloc(&src, bytes), "cudaMalloc");
    must(cudaMalloc(&dst, bytes), "cudaMalloc");
    must(cudaMemset(src, 1, bytes), "cudaMemset");
    must(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy");
    const int reps = 10;
    must(cudaEventRecord(start), "cudaEventRecord");
    for (int i = 0; i < reps; ++i) must(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpyAsync");
    must(cudaEventRecord(stop), "cudaEventRecord");
    must(cudaEventSynchronize(stop), "cudaEventSynchronize");
    cudaFree(src);
    cudaFree(dst);
    return 2.0 * bytes * reps / (elapsed_ms(start, stop) * 1e-3) / 1e9;
}

// Seconds per launch of one shape, rotating among weight buffers.
double time_matvec(sl_type type, const Shape& s, int n_tok, int launches, cudaStream_t stream, cudaEvent_t start,
                   cudaEvent_t stop) {
    const size_t n_parts = s.rows.size();
    size_t set_bytes = 0;
    for (int64_t rows : s.rows) set_bytes += sl::row_bytes(type, s.cols) * size_t(rows);
    const int n_sets = int(std::clamp<size_t>((kRotationBytes + set_bytes - 1) / set_bytes, 2, 64));
    std::vector<void*> w(size_t(n_sets) * n_parts), y(n_parts);
    for (size_t i = 0; i < w.size(); ++i) {
        const size_t bytes = sl::row_bytes(type, s.cols) * size_t(s.rows[i % n_parts]);
        must(cudaMalloc(&w[i], bytes), "cudaMalloc weights");
        must(cudaMemset(w[i], 0x3c, bytes), "cudaMemset");  // every scale and value a small finite number
    }
    for (size_t p = 0; p < n_parts; ++p) must(cudaMalloc(&y[p], size_t(n_tok * s.rows[p]) * sizeof(float)), "cudaMalloc");
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    std::vector<float> x_host(size_t(n_tok * s.cols));
    for (float& v : x_host) v = normal(rng);
    float* x = nullptr;
    void* xq = nullptr;
    must(cudaMalloc(reinterpret_cast<void**>(&x), x_host.size() * sizeof(float)), "cudaMalloc");
    must(cudaMalloc(&xq, size_t(n_tok * sl::cuda::q8_1_row_bytes(s.cols))), "cudaMalloc");
    must(cudaMemcpy(x, x_host.data(), x_host.size() * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
    sl::cuda::quantize_q8_1(x, s.cols, n_tok, s.cols, xq, stream);

    auto launch = [&](int i) {
        std::vector<sl::cuda::MatvecPart> parts;
        for (size_t p = 0; p < n_parts; ++p)
            parts.push_back({w[size_t(i % n_sets) * n_parts + p], s.rows[p], static_cast<float*>(y[p]), s.rows[p]});
        sl::cuda::matvec(type, parts, s.cols, x, s.cols, xq, n_tok, false, stream);
    };
    for (int i = 0; i < n_sets; ++i) launch(i);  // warm-up: first launches, smem configuration
    must(cudaEventRecord(start, stream), "cudaEventRecord");
    for (int i = 0; i < launches; ++i) launch(i);
    must(cudaEventRecord(stop, stream), "cudaEventRecord");
    must(cudaEventSynchronize(stop), "cudaEventSynchronize");
    const double seconds = elapsed_ms(start, stop) * 1e-3 / launches;
    for (void* p : w) cudaFree(p);
    for (void* p : y) cudaFree(p);
    cudaFree(x);
    cudaFree(xq);
    return seconds;
}

}  // namespace

int main(int argc, char** argv) {
    if (const char* reason = sl_cuda_unavailable_reason()) {
        std::fprintf(stderr, "error: no CUDA device: %s\n", reason);
        return 1;
    }
    const int n_tok = argc > 1 ? std::atoi(argv[1]) : 1;
    const int launches = argc > 2 ? std::atoi(argv[2]) : 50;
    if (n_tok < 1 || n_tok > sl::cuda::kMaxMatvecTokens || launches < 1) {
        std::fprintf(stderr, "usage: %s [n_tok 1..%d] [launches]\n", argv[0], sl::cuda::kMaxMatvecTokens);
        return 1;
    }
    cudaDeviceProp prop{};
    must(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    cudaStream_t stream;  // as the backend's: a stream of its own
    must(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
    cudaEvent_t start, stop;
    must(cudaEventCreate(&start), "cudaEventCreate");
    must(cudaEventCreate(&stop), "cudaEventCreate");
    const double copy = copy_bandwidth(start, stop);
    std::printf("%s, %d SMs, L2 %d MB; device-to-device copy %.0f GB/s (read + write); n_tok %d\n", prop.name,
                prop.multiProcessorCount, prop.l2CacheSize >> 20, copy, n_tok);
    std::printf("%-5s %-12s %14s %10s %9s %7s\n", "type", "role", "rows x cols", "us", "GB/s", "% copy");
    try {
        for (sl_type type : kTypes) {
            const char* name = sl::type_traits(type)->name;
            double token_bytes = 0, token_seconds = 0;
            for (const Shape& s : kShapes) {
                int64_t rows = 0;
                for (int64_t r : s.rows) rows += r;
                const double bytes = double(sl::row_bytes(type, s.cols)) * double(rows);
                const double seconds = time_matvec(type, s, n_tok, launches, stream, start, stop);
                const double gbs = bytes / seconds / 1e9;
                std::printf("%-5s %-12s %6lldx%-7lld %10.1f %9.0f %6.1f%%\n", name, s.role, (long long)rows, (long long)s.cols,
                            seconds * 1e6, gbs, 100 * gbs / copy);
                token_bytes += s.per_token * bytes;
                token_seconds += s.per_token * seconds;
            }
            const double gbs = token_bytes / token_seconds / 1e9;
            std::printf("%-5s %-12s %14s %10.1f %9.0f %6.1f%%\n", name, "8B token", "(weighted)", token_seconds * 1e6, gbs,
                        100 * gbs / copy);
        }
    } catch (const sl::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
