// How a one-launch read of a decode matrix's bytes depends on the bytes in flight per SM: the
// floor a matvec kernel of that shape can reach, measured apart from any matvec arithmetic.
// Each warp streams a contiguous slice of the buffer with `depth` 16-byte loads a lane issued before
// any is used (depth * 512 bytes a warp in flight), a grid of `blocks` blocks of 256 threads an SM.
// Sizes: Q4_K Q/O (9.4 MB), Q+K+V (14.2 MB), down (33 MB), gate+up (66 MB), F16 down (117 MB).
// Consecutive launches read different copies of the bytes in a buffer several times the L2, as a
// decode step's matrices are different memory (one copy of 33 MB stays in the H200's 60 MB L2).
// Usage: sluice_bench_cuda_stream [reps]
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/status.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"

namespace {

constexpr int kThreads = 256;

template <int DEPTH>
__global__ void __launch_bounds__(kThreads) stream_kernel(const uint4* __restrict__ data, long long n_vecs,
                                                          unsigned* __restrict__ sink) {
    const long long warps = (long long)gridDim.x * (kThreads / 32);
    const long long warp = (long long)blockIdx.x * (kThreads / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    // The warp's slice, in whole 512-byte rows of the warp's loads.
    const long long rows = (n_vecs + 31) / 32, per = (rows + warps - 1) / warps;
    const long long r0 = warp * per, r1 = r0 + per < rows ? r0 + per : rows;
    unsigned acc = 0;
    for (long long r = r0; r < r1; r += DEPTH) {
        uint4 v[DEPTH];
#pragma unroll
        for (int d = 0; d < DEPTH; ++d) {
            const long long i = (r + d) * 32 + lane;
            v[d] = r + d < r1 && i < n_vecs ? __ldcs(data + i) : make_uint4(0, 0, 0, 0);
        }
#pragma unroll
        for (int d = 0; d < DEPTH; ++d) acc ^= v[d].x ^ v[d].y ^ v[d].z ^ v[d].w;
    }
    if (acc == 0x12345678u) sink[0] = acc;  // never in practice: keeps the loads
}

template <int DEPTH>
float time_us(const uint4* data, long long n_vecs, int copies, int blocks_per_sm, int sms, unsigned* sink, int reps) {
    cudaEvent_t a, b;
    SL_CUDA(cudaEventCreate(&a));
    SL_CUDA(cudaEventCreate(&b));
    const unsigned grid = static_cast<unsigned>(blocks_per_sm * sms);
    stream_kernel<DEPTH><<<grid, kThreads>>>(data, n_vecs, sink);
    SL_CUDA(cudaEventRecord(a));
    for (int i = 0; i < reps; ++i) stream_kernel<DEPTH><<<grid, kThreads>>>(data + i % copies * n_vecs, n_vecs, sink);
    sl::cuda::check_launch("stream_kernel");
    SL_CUDA(cudaEventRecord(b));
    SL_CUDA(cudaEventSynchronize(b));
    float ms = 0;
    SL_CUDA(cudaEventElapsedTime(&ms, a, b));
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return ms * 1000.0f / static_cast<float>(reps);
}

template <int DEPTH>
void row(const char* name, const uint4* data, size_t buf_bytes, long long bytes, int sms, unsigned* sink, int reps,
         double copy_gbs) {
    const int copies = static_cast<int>(buf_bytes / static_cast<size_t>(bytes));
    std::printf("%-10s %6.1f MB  depth %d (%5d B a warp):", name, bytes / 1e6, DEPTH, DEPTH * 512);
    for (int blocks : {1, 2, 4, 8}) {
        const float us = time_us<DEPTH>(data, bytes / 16, copies, blocks, sms, sink, reps);
        std::printf("  %d/SM %6.1f us %3.0f%%", blocks, us, 100.0 * bytes / (us * 1e3) / copy_gbs);
    }
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const int reps = argc > 1 ? std::atoi(argv[1]) : 200;
        int device = 0, sms = 0;
        SL_CUDA(cudaGetDevice(&device));
        SL_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
        const struct {
            const char* name;
            long long bytes;
        } shapes[] = {{"Q/O Q4_K", 9437184}, {"QKV Q4_K", 14155776}, {"down Q4_K", 33030144}, {"gate+up", 66060288},
                      {"down F16", 117440512}};
        int l2_bytes = 0;
        SL_CUDA(cudaDeviceGetAttribute(&l2_bytes, cudaDevAttrL2CacheSize, device));
        size_t max_bytes = 8 * static_cast<size_t>(l2_bytes);  // one buffer for every shape, several copies of each
        for (const auto& shape : shapes) max_bytes = std::max(max_bytes, 4 * static_cast<size_t>(shape.bytes));
        void* buf = nullptr;
        SL_CUDA(cudaMalloc(&buf, max_bytes));
        SL_CUDA(cudaMemset(buf, 1, max_bytes));
        unsigned* sink = nullptr;
        SL_CUDA(cudaMalloc(&sink, 4));
        // The roofline's bandwidth, measured as the other benchmarks do (read + write of a 1 GiB copy).
        const double copy_gbs = sl::cuda::measure_copy_bandwidth(device, size_t{1} << 30) / 1e9;
        std::printf("%d SMs, device copy %.0f GB/s; one launch of 256-thread blocks reading the bytes once, %d launches "
                    "back to back; %% of the copy bandwidth\n", sms, copy_gbs, reps);
        const auto* data = static_cast<const uint4*>(buf);
        for (const auto& s : shapes) {
            row<1>(s.name, data, max_bytes, s.bytes, sms, sink, reps, copy_gbs);
            row<2>(s.name, data, max_bytes, s.bytes, sms, sink, reps, copy_gbs);
            row<4>(s.name, data, max_bytes, s.bytes, sms, sink, reps, copy_gbs);
            row<8>(s.name, data, max_bytes, s.bytes, sms, sink, reps, copy_gbs);
        }
        cudaFree(buf);
        cudaFree(sink);
    } catch (const sl::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
