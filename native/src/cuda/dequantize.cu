// Weights to fp16 rows (for the tensor-core GEMM) and embedding rows to F32 (get_rows), for every
// weight type. One thread per 8 consecutive elements of a row: its reads stay inside one block and
// its fp16 output is one 16-byte store when rows are 8-element aligned.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <type_traits>

#include "core/status.h"
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"
#include "cuda/dequant.cuh"
#include "cuda/ops.h"
#include "formats/types.h"

namespace sl::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kGroup = 8;

// fp16 bits of v, saturating beyond +-65504 (NaN stays NaN).
__device__ __forceinline__ uint16_t to_half_saturated(float v) {
    if (fabsf(v) > 65504.0f) v = copysignf(65504.0f, v);
    return __half_as_ushort(__float2half_rn(v));
}

template <sl_type T>
__global__ void __launch_bounds__(kThreads) dequantize_f16_kernel(const uint8_t* __restrict__ w, int64_t n_rows,
                                                                  int64_t cols, int64_t row_bytes,
                                                                  uint16_t* __restrict__ out, bool vector_store) {
    const int64_t groups_per_row = (cols + kGroup - 1) / kGroup;
    const int64_t g = int64_t(blockIdx.x) * kThreads + threadIdx.x;
    if (g >= n_rows * groups_per_row) return;
    const int64_t r = g / groups_per_row, c0 = g % groups_per_row * kGroup;
    const int n = int(min(int64_t(kGroup), cols - c0));
    const uint8_t* row = w + r * row_bytes;
    uint16_t* dst = out + r * cols + c0;
    if (vector_store && n == kGroup) {
        uint32_t packed[kGroup / 2];
#pragma unroll
        for (int k = 0; k < kGroup / 2; ++k) {
            packed[k] = uint32_t(to_half_saturated(row_value<T>(row, c0 + 2 * k))) |
                        uint32_t(to_half_saturated(row_value<T>(row, c0 + 2 * k + 1))) << 16;
        }
        *reinterpret_cast<uint4*>(dst) = make_uint4(packed[0], packed[1], packed[2], packed[3]);
    } else {
        for (int k = 0; k < n; ++k) dst[k] = to_half_saturated(row_value<T>(row, c0 + k));
    }
}

template <sl_type T>
__global__ void __launch_bounds__(kThreads) get_rows_kernel(const uint8_t* __restrict__ table, int64_t cols,
                                                            int64_t row_bytes, const int32_t* __restrict__ tokens,
                                                            int64_t n_tok, float* __restrict__ out, int64_t ldo) {
    pdl_wait();
    pdl_launch_dependents();
    const int64_t groups_per_row = (cols + kGroup - 1) / kGroup;
    const int64_t g = int64_t(blockIdx.x) * kThreads + threadIdx.x;
    if (g >= n_tok * groups_per_row) return;
    const int64_t t = g / groups_per_row, c0 = g % groups_per_row * kGroup;
    const int n = int(min(int64_t(kGroup), cols - c0));
    const uint8_t* row = table + int64_t(tokens[t]) * row_bytes;
    for (int k = 0; k < n; ++k) out[t * ldo + c0 + k] = row_value<T>(row, c0 + k);
}

// Calls f(std::integral_constant<sl_type, T>{}) for a weight type T, or raises naming the type.
template <class F>
void with_weight_type(sl_type type, const char* op, F&& f) {
    switch (type) {
#define SL_CASE(T) \
    case T: return f(std::integral_constant<sl_type, T>{});
        SL_CASE(SL_TYPE_F32) SL_CASE(SL_TYPE_F16) SL_CASE(SL_TYPE_BF16) SL_CASE(SL_TYPE_Q4_0) SL_CASE(SL_TYPE_Q4_1)
        SL_CASE(SL_TYPE_Q5_0) SL_CASE(SL_TYPE_Q5_1) SL_CASE(SL_TYPE_Q8_0) SL_CASE(SL_TYPE_Q2_K) SL_CASE(SL_TYPE_Q3_K)
        SL_CASE(SL_TYPE_Q4_K) SL_CASE(SL_TYPE_Q5_K) SL_CASE(SL_TYPE_Q6_K)
#undef SL_CASE
        default: {
            const TypeTraits* traits = type_traits(type);
            raise(SL_ERR_UNSUPPORTED, "%s: tensor type %s is not supported", op, traits ? traits->name : "(unknown)");
        }
    }
}

unsigned blocks_for(int64_t threads) { return unsigned((threads + kThreads - 1) / kThreads); }

}  // namespace

void dequantize_rows_f16(sl_type type, const void* w, int64_t n_rows, int64_t cols, uint16_t* out,
                         cudaStream_t stream) {
    with_weight_type(type, "dequantize_rows_f16", [&](auto tag) {
        constexpr sl_type T = decltype(tag)::value;
        const int64_t threads = n_rows * ((cols + kGroup - 1) / kGroup);
        if (threads == 0) return;
        const bool vector_store = cols % kGroup == 0 && reinterpret_cast<uintptr_t>(out) % 16 == 0;
        dequantize_f16_kernel<T><<<blocks_for(threads), kThreads, 0, stream>>>(
            static_cast<const uint8_t*>(w), n_rows, cols, int64_t(row_bytes(type, cols)), out, vector_store);
        check_launch("dequantize_rows_f16");
    });
}

void get_rows(sl_type type, const void* table, int64_t cols, const int32_t* tokens, int64_t n_tok, float* out,
              int64_t ldo, cudaStream_t stream) {
    with_weight_type(type, "get_rows", [&](auto tag) {
        constexpr sl_type T = decltype(tag)::value;
        const int64_t threads = n_tok * ((cols + kGroup - 1) / kGroup);
        if (threads == 0) return;
        launch_overlapped("get_rows", get_rows_kernel<T>, blocks_for(threads), kThreads, 0, stream,
                          static_cast<const uint8_t*>(table), cols, int64_t(row_bytes(type, cols)), tokens, n_tok, out,
                          ldo);
    });
}

}  // namespace sl::cuda
