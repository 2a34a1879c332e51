// RMSNorm, one block per row: the sum of squares in fp32 across the block, then the scaled row,
// optionally also as Q8_1 for the quantized matmuls that read it next.
#include "cuda/cuda_check.h"
#include "cuda/device_bits.cuh"
#include "cuda/launch.cuh"
#include "core/status.h"
#include "cuda/ops.h"
#include "cuda/q8_1.cuh"

namespace sl::cuda {
namespace {

// One block per row. A 4096-wide decode row is one float4 a thread: the whole row and its weights
// are loaded at once, so the norm costs about one memory round trip (run 7: a 256-thread block that
// walked the row twice took 12.5 us, a third of the small kernels' time in an 8B step).
constexpr int kThreads = 1024;

__device__ __forceinline__ float block_sum(float sum) {
    __shared__ float warp_sums[kThreads / 32];
    sum = warp_sum(sum);
    if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = sum;
    __syncthreads();
    sum = threadIdx.x % 32 < kThreads / 32 ? warp_sums[threadIdx.x % 32] : 0.0f;
    return warp_sum(sum);  // every warp reduces the partials itself: no second barrier
}

__device__ __forceinline__ float sum_squares(float4 v) { return v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w; }

// width % 4 == 0 (always so with Q8_1 output, width % 32 == 0): float4 loads, the first one of x
// and of the weight held in registers across the reduction.
__global__ void __launch_bounds__(kThreads) rms_norm_vec4_kernel(const float* __restrict__ x,
                                                                 const float* __restrict__ weight, int64_t width,
                                                                 float eps, float* __restrict__ out,
                                                                 uint8_t* __restrict__ out_q8_1) {
    const int64_t n4 = width / 4;
    const auto* w4 = reinterpret_cast<const float4*>(weight);
    const float4 zero{0, 0, 0, 0};
    const float4 w0 = threadIdx.x < n4 ? w4[threadIdx.x] : zero;  // no kernel writes the weights
    pdl_wait();
    pdl_launch_dependents();
    const auto* row = reinterpret_cast<const float4*>(x + blockIdx.x * width);
    auto* dst = reinterpret_cast<float4*>(out + blockIdx.x * width);
    const float4 x0 = threadIdx.x < n4 ? row[threadIdx.x] : zero;
    float sum = sum_squares(x0);
    for (int64_t i = threadIdx.x + kThreads; i < n4; i += kThreads) sum += sum_squares(row[i]);
    const float inv_rms = rsqrtf(block_sum(sum) / static_cast<float>(width) + eps);
    uint8_t* q8_row = out_q8_1 ? out_q8_1 + blockIdx.x * (width / kQ8_1BlockElems) * kQ8_1BlockBytes : nullptr;
    const int lane = threadIdx.x % 32;
    const unsigned group_mask = 0xFFu << (lane & ~7);
    for (int64_t i = threadIdx.x; i < n4; i += kThreads) {
        const float4 xv = i == threadIdx.x ? x0 : row[i], wv = i == threadIdx.x ? w0 : w4[i];
        const float4 v{xv.x * inv_rms * wv.x, xv.y * inv_rms * wv.y, xv.z * inv_rms * wv.z, xv.w * inv_rms * wv.w};
        dst[i] = v;
        // Eight lanes hold one Q8_1 block; n4 % 8 == 0, so groups of eight stay whole at the end.
        if (q8_row) group8_store_q8_1(v, lane % 8, group_mask, q8_row + i / 8 * kQ8_1BlockBytes);
    }
}

// Any width or alignment; with Q8_1 output width % 32 == 0, each warp's 32 values one block.
__global__ void __launch_bounds__(kThreads) rms_norm_kernel(const float* __restrict__ x,
                                                            const float* __restrict__ weight, int64_t width, float eps,
                                                            float* __restrict__ out, uint8_t* __restrict__ out_q8_1) {
    pdl_wait();
    pdl_launch_dependents();
    const float* row = x + blockIdx.x * width;
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < width; i += kThreads) sum += row[i] * row[i];
    const float inv_rms = rsqrtf(block_sum(sum) / static_cast<float>(width) + eps);
    uint8_t* q8_row = out_q8_1 ? out_q8_1 + blockIdx.x * (width / kQ8_1BlockElems) * kQ8_1BlockBytes : nullptr;
    for (int64_t i0 = 0; i0 < width; i0 += kThreads) {
        const int64_t i = i0 + threadIdx.x;
        if (i >= width) break;  // whole warps leave together when width % 32 == 0
        const float v = row[i] * inv_rms * weight[i];
        out[blockIdx.x * width + i] = v;
        if (q8_row) warp_store_q8_1(v, threadIdx.x % 32, q8_row + i / kQ8_1BlockElems * kQ8_1BlockBytes);
    }
}

// One block: the factor from the folded norm's group sums, then the row scaled in place.
__global__ void __launch_bounds__(kThreads) rms_apply_scale_kernel(float* __restrict__ out, int64_t width,
                                                                   const float* __restrict__ sum_sq, float eps,
                                                                   uint8_t* __restrict__ out_q8_1) {
    pdl_wait();
    pdl_launch_dependents();
    float sum = 0.0f;
    for (int64_t g = threadIdx.x; g < width / kQ8_1BlockElems; g += kThreads) sum += sum_sq[g];
    const float inv_rms = rsqrtf(block_sum(sum) / static_cast<float>(width) + eps);
    for (int64_t i0 = 0; i0 < width; i0 += kThreads) {
        const int64_t i = i0 + threadIdx.x;
        if (i >= width) break;  // whole warps leave together: width % 32 == 0
        const float v = out[i] * inv_rms;
        out[i] = v;
        if (out_q8_1) warp_store_q8_1(v, threadIdx.x % 32, out_q8_1 + i / kQ8_1BlockElems * kQ8_1BlockBytes);
    }
}

}  // namespace

void rms_apply_scale(float* out, int64_t width, const float* sum_sq, float eps, void* out_q8_1, cudaStream_t stream) {
    if (width % kQ8_1BlockElems != 0)
        raise(SL_ERR_INVALID_ARGUMENT, "rms_apply_scale: the width %lld is not a multiple of 32", static_cast<long long>(width));
    launch_overlapped("rms_apply_scale", rms_apply_scale_kernel, 1, kThreads, 0, stream, out, width, sum_sq, eps,
                      static_cast<uint8_t*>(out_q8_1));
}

void rms_norm(const float* x, const float* weight, int64_t n_tok, int64_t width, float eps, float* out,
              void* out_q8_1, cudaStream_t stream) {
    if (n_tok == 0) return;
    if (out_q8_1 && width % kQ8_1BlockElems != 0)
        raise(SL_ERR_INVALID_ARGUMENT, "rms_norm: Q8_1 output needs a width that is a multiple of 32, not %lld",
              static_cast<long long>(width));
    const auto blocks = static_cast<unsigned>(n_tok);
    if (width % 4 == 0 && reinterpret_cast<uintptr_t>(x) % 16 == 0 && reinterpret_cast<uintptr_t>(weight) % 16 == 0 &&
        reinterpret_cast<uintptr_t>(out) % 16 == 0)
        launch_overlapped("rms_norm", rms_norm_vec4_kernel, blocks, kThreads, 0, stream, x, weight, width, eps, out,
                          static_cast<uint8_t*>(out_q8_1));
    else
        launch_overlapped("rms_norm", rms_norm_kernel, blocks, kThreads, 0, stream, x, weight, width, eps, out,
                          static_cast<uint8_t*>(out_q8_1));
}

}  // namespace sl::cuda
