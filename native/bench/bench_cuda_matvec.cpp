// Decode-speed benchmark of the CUDA matvec on Llama-3.1-8B shapes, every weight type: GB/s of
// weights read (timed with CUDA events over back-to-back launches that rotate among enough weight
// buffers that L2 cannot serve them) against a device-to-device cudaMemcpy measured in the same
// run (read + write bytes). The fused shapes (attn_qkv, ffn_gate+up) are one launch of several
// matrices, as the decode step runs them; the last line per type weighs the shapes as one token of
// the 8B does (the fused launches, not the single K, V, gate and up). At one token the norms run as
// in the decode step where the type folds them (ops.h: RmsFold): O and ffn_down with the next norm
// folded in ("+norm"), Q/K/V, gate+up and the output applying its factor. With SLUICE_CUDA_OVERLAP=1
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

// What a launch does of the RMSNorms beside it, as the decode step runs it at one token.
enum class Norm {
    kNone,
    kFolded,  // the residual product with the next norm folded in (only where the type folds)
    kScaled,  // reads a folded norm's output (where the type folds; at more tokens: none)
};

// One launch: matrices of `rows[i]` x cols sharing the activations (Q, K and V; gate and up).
struct Shape {
    std::vector<int64_t> rows;
    int64_t cols;
    const char* role;
    int per_token;  // launches of this shape one token of Llama-3.1-8B makes, as the graph runs it now
    Norm norm = Norm::kNone;
    bool residual = false;  // O or ffn_down: replaced by the folded form where there is one
};
const Shape kShapes[] = {{{4096}, 4096, "attn_q,o", 32, Norm::kNone, true},
                         {{1024}, 4096, "attn_k,v", 0},
                         {{14336}, 4096, "ffn_gate,up", 0},
                         {{4096}, 14336, "ffn_down", 32, Norm::kNone, true},
                         {{4096}, 4096, "attn_o+norm", 32, Norm::kFolded},
                         {{4096}, 14336, "ffn_down+norm", 32, Norm::kFolded},
                         {{128256}, 4096, "output", 1, Norm::kScaled},
                         {{4096, 1024, 1024}, 4096, "attn_qkv", 32, Norm::kScaled},
                         {{14336, 14336}, 4096, "ffn_gate+up", 32, Norm::kScaled}};

// Whether the decode step folds the norms for this type and batch (ops.h: matvec_folds_norm for O and ffn_down).
bool folds(sl_type type, int n_tok) {
    return n_tok == 1 && sl::cuda::matvec_folds_norm(type, 4096) && sl::cuda::matvec_folds_norm(type, 14336);
}
Norm norm_of(const Shape& s, sl_type type, int n_tok) { return folds(type, n_tok) ? s.norm : Norm::kNone; }
// Launches of the shape one token makes for this type and batch.
int per_token(const Shape& s, sl_type type, int n_tok) {
    if (s.norm == Norm::kFolded) return folds(type, n_tok) ? s.per_token : 0;
    if (s.residual) return folds(type, n_tok) ? 0 : s.per_token;
    return s.per_token;
}
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
double time_matvec(sl_type type, const Shape& s, Norm norm_work, int n_tok, int launches, cudaStream_t stream,
                   cudaEvent_t start, cudaEvent_t stop) {
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
    // The norms' buffers: the folded norm's weight, outputs and group sums; the input's group sums.
    const int64_t out_rows = s.rows[0];
    std::vector<float> ones(size_t(std::max(out_rows, s.cols)), 1.0f);
    float *norm_weight = nullptr, *norm_out = nullptr, *sums = nullptr;
    void* norm_q8_1 = nullptr;
    must(cudaMalloc(reinterpret_cast<void**>(&norm_weight), ones.size() * sizeof(float)), "cudaMalloc");
    must(cudaMalloc(reinterpret_cast<void**>(&norm_out), ones.size() * sizeof(float)), "cudaMalloc");
    must(cudaMalloc(reinterpret_cast<void**>(&sums), ones.size() / 32 * sizeof(float) + 4), "cudaMalloc");
    must(cudaMalloc(&norm_q8_1, size_t(sl::cuda::q8_1_row_bytes(ones.size() / 32 * 32))), "cudaMalloc");
    must(cudaMemcpy(norm_weight, ones.data(), ones.size() * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
    must(cudaMemcpy(sums, ones.data(), ones.size() / 32 * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
    sl::cuda::MatvecNorm norm;
    if (norm_work == Norm::kFolded) norm.fold = {norm_weight, norm_out, norm_q8_1, sums};
    if (norm_work == Norm::kScaled) norm.scale = {sums, int32_t(s.cols / 32), 1e-5f};
    const bool accumulate = norm_work == Norm::kFolded;  // the residual add the fold comes with
    if (accumulate) {
        for (void* p : y) must(cudaMemset(p, 0, size_t(n_tok * out_rows) * sizeof(float)), "cudaMemset");
    }

    auto launch = [&](int i) {
        std::vector<sl::cuda::MatvecPart> parts;
        for (size_t p = 0; p < n_parts; ++p)
            parts.push_back({w[size_t(i % n_sets) * n_parts + p], s.rows[p], static_cast<float*>(y[p]), s.rows[p]});
        sl::cuda::matvec(type, parts, s.cols, x, s.cols, xq, n_tok, accumulate, stream, norm);
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
    cudaFree(norm_weight);
    cudaFree(norm_out);
    cudaFree(sums);
    cudaFree(norm_q8_1);
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
                const Norm norm = norm_of(s, type, n_tok);
                if (s.norm == Norm::kFolded && norm != Norm::kFolded) continue;  // the type does not fold
                int64_t rows = 0;
                for (int64_t r : s.rows) rows += r;
                const double bytes = double(sl::row_bytes(type, s.cols)) * double(rows);
                const double seconds = time_matvec(type, s, norm, n_tok, launches, stream, start, stop);
                const double gbs = bytes / seconds / 1e9;
                std::printf("%-5s %-12s %6lldx%-7lld %10.1f %9.0f %6.1f%%\n", name, s.role, (long long)rows, (long long)s.cols,
                            seconds * 1e6, gbs, 100 * gbs / copy);
                const int count = per_token(s, type, n_tok);
                token_bytes += count * bytes;
                token_seconds += count * seconds;
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
