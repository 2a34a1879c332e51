// CUDA kernel speeds on Llama-3.1-8B shapes, timed with CUDA events (warm-up, then the median of
// many launches): gemm_f16 TFLOP/s at pp512, attention_decode GB/s at 512/641/4096/8192 positions beside
// the device-to-device copy bandwidth measured in the same run, prefill attention, top-k.
// Weights and caches rotate over several copies so the 50 MB L2 does not hold them between launches.
//   sluice_bench_cuda_kernels [iterations, default 50]
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/half.h"
#include "cuda/ops.h"

namespace {

void ok(cudaError_t err, const char* what) {
    if (err == cudaSuccess) return;
    std::fprintf(stderr, "CUDA failure: %s: %s\n", what, cudaGetErrorString(err));
    std::exit(1);
}

template <class T>
T* device_alloc(size_t count) {
    void* p = nullptr;
    ok(cudaMalloc(&p, count * sizeof(T)), "cudaMalloc");
    return static_cast<T*>(p);
}

// Random fp16 values N(0, scale), a 1M-element pattern repeated (contents only matter for power).
uint16_t* random_f16(size_t count, float scale) {
    static std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<uint16_t> pattern(size_t{1} << 20);
    for (uint16_t& h : pattern) h = sl::fp32_to_fp16(dist(rng));
    uint16_t* d = device_alloc<uint16_t>(count);
    for (size_t at = 0; at < count; at += pattern.size())
        ok(cudaMemcpy(d + at, pattern.data(), std::min(pattern.size(), count - at) * 2, cudaMemcpyHostToDevice), "fill");
    return d;
}

float* random_f32(size_t count) {
    static std::mt19937 rng(2);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> host(count);
    for (float& x : host) x = dist(rng);
    float* d = device_alloc<float>(count);
    ok(cudaMemcpy(d, host.data(), count * 4, cudaMemcpyHostToDevice), "fill");
    return d;
}

// Median microseconds of fn(i) over `iters` launches after `iters / 5 + 2` warm-ups.
template <class Fn>
double median_us(cudaStream_t stream, int iters, Fn&& fn) {
    for (int i = 0; i < iters / 5 + 2; ++i) fn(i);
    cudaEvent_t start, stop;
    ok(cudaEventCreate(&start), "cudaEventCreate");
    ok(cudaEventCreate(&stop), "cudaEventCreate");
    std::vector<float> ms(static_cast<size_t>(iters));
    for (int i = 0; i < iters; ++i) {
        ok(cudaEventRecord(start, stream), "cudaEventRecord");
        fn(i);
        ok(cudaEventRecord(stop, stream), "cudaEventRecord");
        ok(cudaEventSynchronize(stop), "cudaEventSynchronize");
        ok(cudaEventElapsedTime(&ms[static_cast<size_t>(i)], start, stop), "cudaEventElapsedTime");
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    std::nth_element(ms.begin(), ms.begin() + iters / 2, ms.end());
    return ms[static_cast<size_t>(iters / 2)] * 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    const int iters = argc > 1 ? std::max(5, std::atoi(argv[1])) : 50;
    cudaDeviceProp prop{};
    ok(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("device: %s, %d SMs, %.0f MB L2\n", prop.name, prop.multiProcessorCount, prop.l2CacheSize / 1048576.0);
    cudaStream_t stream;
    ok(cudaStreamCreate(&stream), "cudaStreamCreate");

    // ---- copy bandwidth -------------------------------------------------------------------------
    const size_t copy_bytes = size_t{1} << 30;
    void* src = device_alloc<uint8_t>(copy_bytes);
    void* dst = device_alloc<uint8_t>(copy_bytes);
    ok(cudaMemset(src, 1, copy_bytes), "cudaMemset");
    const double copy_us = median_us(stream, std::max(5, iters / 5), [&](int) {
        ok(cudaMemcpyAsync(dst, src, copy_bytes, cudaMemcpyDeviceToDevice, stream), "cudaMemcpyAsync");
    });
    const double copy_gbs = 2.0 * copy_bytes / (copy_us * 1e3);  // bytes read + written
    std::printf("device copy: %.0f GB/s (read + write of a 1 GiB cudaMemcpy)\n", copy_gbs);
    ok(cudaFree(src), "cudaFree");
    ok(cudaFree(dst), "cudaFree");

    // ---- gemm -----------------------------------------------------------------------------------
    struct GemmShape {
        const char* name;
        int64_t rows, cols;
    };
    const GemmShape shapes[] = {{"q/o proj", 4096, 4096},   {"k/v proj", 1024, 4096}, {"gate/up", 14336, 4096},
                                {"down", 4096, 14336},       {"output", 128256, 4096}};
    const int64_t n_tok = 512;
    const size_t max_w = size_t{128256} * 4096;
    uint16_t* w = random_f16(max_w, 0.02f);
    uint16_t* x = random_f16(size_t{n_tok} * 14336, 1.0f);
    float* xf = random_f32(size_t{n_tok} * 14336);
    float* y = device_alloc<float>(size_t{n_tok} * 128256);
    std::printf("\ngemm_f16, n_tok %lld:\n", (long long)n_tok);
    for (const GemmShape& s : shapes) {
        // Rotate over as many copies of the weight as fit in the buffer (one for the output matrix).
        const int64_t copies = std::max<int64_t>(1, static_cast<int64_t>(max_w / (s.rows * s.cols)));
        const double us = median_us(stream, iters, [&](int i) {
            sl::cuda::gemm_f16(x, s.cols, n_tok, w + (i % copies) * s.rows * s.cols, s.cols, s.rows, s.cols, y, s.rows,
                               false, stream);
        });
        std::printf("  %-9s %6lld x %5lld: %8.1f us  %6.1f TFLOP/s\n", s.name, (long long)s.rows, (long long)s.cols, us,
                    2.0 * n_tok * s.rows * s.cols / (us * 1e6));
    }
    {
        const double us = median_us(stream, iters, [&](int) {
            sl::cuda::convert_f32_to_f16(xf, 14336, n_tok, 14336, x, stream);
        });
        std::printf("  convert_f32_to_f16 %lld x 14336: %.1f us  %.0f GB/s\n", (long long)n_tok, us,
                    6.0 * n_tok * 14336 / (us * 1e3));
    }
    {
        float* wf = random_f32(size_t{4096} * 4096);
        const double us = median_us(stream, std::max(5, iters / 5), [&](int) {
            sl::cuda::gemm_f32(xf, 4096, n_tok, wf, 4096, 4096, 4096, y, 4096, false, stream);
        });
        std::printf("  gemm_f32 4096 x 4096: %.1f us  %.1f TFLOP/s\n", us, 2.0 * n_tok * 4096 * 4096 / (us * 1e6));
        ok(cudaFree(wf), "cudaFree");
    }
    ok(cudaFree(w), "cudaFree");
    ok(cudaFree(x), "cudaFree");

    // ---- attention ------------------------------------------------------------------------------
    const int32_t n_head = 32, n_head_kv = 8, head_dim = 128, max_ctx = 8192, layers = 8;
    const int64_t kv_width = int64_t{n_head_kv} * head_dim;
    const size_t layer_elems = size_t{max_ctx} * kv_width;
    uint16_t* k = random_f16(layer_elems * layers, 1.0f);
    uint16_t* v = random_f16(layer_elems * layers, 1.0f);
    float* q = random_f32(size_t{512} * n_head * head_dim);
    float* out = device_alloc<float>(size_t{512} * n_head * head_dim);
    float* kv_new = random_f32(size_t{2} * kv_width);  // this token's K and V rows, stored by the launch
    void* out_q8_1 = device_alloc<uint8_t>(size_t(sl::cuda::q8_1_row_bytes(n_head * head_dim)));
    int32_t* pos = device_alloc<int32_t>(1);
    void* ws = device_alloc<uint8_t>(sl::cuda::attention_decode_workspace_bytes(n_head, head_dim, max_ctx));
    const sl::cuda::RopeArgs rope{head_dim, head_dim, 500000.0f, 1.0f, nullptr};  // Llama 3's, as the model runs it
    float* rope_cs = device_alloc<float>(size_t{head_dim});
    auto args = [&](int layer) {
        return sl::cuda::AttentionArgs{n_head,          n_head_kv, head_dim, 0.088f, k + layer * layer_elems,
                                       v + layer * layer_elems, kv_width};
    };
    // The grid follows max_ctx: 641 is what decoding 128 tokens after a 512-token prompt gets (one launch
    // in clusters on Hopper), 8192 the long-context grid (two passes).
    for (const int32_t grid_ctx : {641, 8192}) {
        std::printf("\nattention_decode with RoPE, the new row's store and Q8_1 output, heads %d/%d, head_dim %d, max_ctx %d"
                    " (grid fixed, as in a graph):\n", n_head, n_head_kv, head_dim, grid_ctx);
        for (const int32_t ctx : {512, 641, 4096, 8192}) {
            if (ctx > grid_ctx) continue;
            const int32_t p = ctx - 1;
            ok(cudaMemcpy(pos, &p, 4, cudaMemcpyHostToDevice), "pos");
            sl::cuda::rope_angles(rope, pos, rope_cs, stream);  // once a step in the model, for every layer
            const double us = median_us(stream, iters, [&](int i) {
                sl::cuda::attention_decode(args(i % layers), rope, rope_cs, q, kv_new, kv_new + kv_width, pos, grid_ctx, out,
                                           out_q8_1, ws, stream);
            });
            const double gbs = 2.0 * ctx * kv_width * 2 / (us * 1e3);
            std::printf("  ctx %5d: %7.1f us  %6.0f GB/s of K/V read = %3.0f%% of the copy bandwidth\n", ctx, us, gbs,
                        100.0 * gbs / copy_gbs);
        }
    }
    std::printf("\nattention_prefill, 512 queries, heads %d/%d, head_dim %d:\n", n_head, n_head_kv, head_dim);
    for (const int32_t pos0 : {0, 3584}) {
        const double us = median_us(stream, std::max(5, iters / 5), [&](int i) {
            sl::cuda::attention_prefill(args(i % layers), q, n_head * head_dim, 512, pos0, out, n_head * head_dim,
                                        stream);
        });
        const double pairs = 512.0 * pos0 + 512.0 * 513.0 / 2.0;  // (query, key) pairs under the causal mask
        std::printf("  pos0 %4d: %8.1f us  %5.1f TFLOP/s\n", pos0, us, 4.0 * head_dim * n_head * pairs / (us * 1e6));
    }
    ok(cudaFree(k), "cudaFree");
    ok(cudaFree(v), "cudaFree");

    // ---- top-k ----------------------------------------------------------------------------------
    const int64_t n_vocab = 128256;
    float* logits = random_f32(n_vocab);
    int32_t* ids = device_alloc<int32_t>(sl::cuda::kMaxTopK);
    float* values = device_alloc<float>(sl::cuda::kMaxTopK);
    void* tk_ws = device_alloc<uint8_t>(sl::cuda::top_k_workspace_bytes(n_vocab, sl::cuda::kMaxTopK));
    std::printf("\ntop_k over %lld logits:\n", (long long)n_vocab);
    for (const int kk : {1, 40, 256}) {
        const double us = median_us(stream, iters, [&](int) {
            sl::cuda::top_k(logits, n_vocab, kk, ids, values, tk_ws, stream);
        });
        std::printf("  k %3d: %6.1f us\n", kk, us);
    }
    return 0;
}
