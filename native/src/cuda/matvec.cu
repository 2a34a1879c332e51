// Decode matrix-vector products for the block-quantized types: int8 dp4a against Q8_1 activations.
//
// One warp per weight row, four rows per CUDA block. Rows are walked in chunks of kChunkCols
// columns: the warp copies its row's chunk into shared memory with 16-byte cp.async (coalesced
// whatever the block size, since blocks of 18, 34, 110 or 210 bytes are not 16-byte aligned), the
// block copies the chunk's Q8_1 activations of every token beside it, and the lanes then take one
// block part each (quant_dot.cuh). Stages are double-buffered: chunk i+1 is in flight while chunk i
// is computed, so each warp keeps about one chunk (0.7-2.2 KB) of weights on the way at all times.
// Each weight byte is read once per call whatever n_tok. A warp's first chunk of weights is on its
// way before the kernel waits for the one before it (launch.cuh).
#include <cuda_runtime.h>

#include <type_traits>

#include "core/status.h"
#include "cuda/cuda_check.h"
#include "cuda/launch.cuh"
#include "cuda/matvec_float.h"
#include "cuda/matvec_legacy.h"
#include "cuda/matvec_parts.cuh"
#include "cuda/matvec_q4_k.h"
#include "cuda/matvec_q6_k.h"
#include "cuda/ops.h"
#include "cuda/quant_dot.cuh"
#include "formats/types.h"

namespace sl::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = 32 * kWarps;

template <sl_type T>
struct StageLayout {
    using Q = QuantDot<T>;
    static constexpr int kChunkBytes = kChunkCols / Q::kBlockElems * Q::kBlockBytes;
    // A chunk starting anywhere in a 16-byte granule, plus slack for load_words' overreach.
    static constexpr int kWarpBytes = (kChunkBytes / 16 + 2) * 16 + 16;
    static constexpr int kWeightBytes = kWarps * kWarpBytes;
    __host__ __device__ static constexpr int bytes(int n_tok) { return kWeightBytes + n_tok * kChunkQ8Bytes; }
};

template <sl_type T, int NTOK, int NORM>
__global__ void __launch_bounds__(kThreads) matvec_q8_1_kernel(MatvecParts parts, MatvecNorm norm, int64_t cols,
                                                               const uint8_t* __restrict__ xq, bool accumulate) {
    using Q = QuantDot<T>;
    using L = StageLayout<T>;
    constexpr int kStageBytes = L::bytes(NTOK);
    extern __shared__ uint4 smem[];
    auto* stages = reinterpret_cast<uint8_t*>(smem);

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const MatvecRow r = matvec_row(parts, kWarps, warp);  // no early return: every thread takes part in the barriers
    const int64_t row_bytes = cols / Q::kBlockElems * Q::kBlockBytes;
    const int64_t xq_row_bytes = cols / 32 * 36;
    const uint8_t* w_end = r.w + r.rows * row_bytes;
    const uint8_t* w_row = r.w + (r.valid ? r.row : 0) * row_bytes;
    const int n_chunks = int((cols + kChunkCols - 1) / kChunkCols);

    // The first weight byte of a chunk of this warp's row, and the chunk's column count.
    auto chunk_start = [&](int chunk) { return w_row + int64_t(chunk) * (kChunkCols / Q::kBlockElems) * Q::kBlockBytes; };
    auto chunk_cols = [&](int chunk) { return int(min(int64_t(kChunkCols), cols - int64_t(chunk) * kChunkCols)); };

    auto issue_weights = [&](int chunk) {
        if (!r.valid) return;
        uint8_t* stage = stages + (chunk & 1) * kStageBytes;
        const uint8_t* start = chunk_start(chunk);
        const uint8_t* first = start - (reinterpret_cast<uintptr_t>(start) & 15);
        const int granules = int((start + chunk_cols(chunk) / Q::kBlockElems * Q::kBlockBytes - first + 15) / 16);
        uint8_t* dst = stage + warp * L::kWarpBytes;
        for (int g = lane; g < granules; g += 32) {
            const uint8_t* src = first + 16 * g;
            if (src + 16 <= w_end) {
                copy_async16(dst + 16 * g, src);
            } else {  // the tensor's last bytes, when its size is not a multiple of 16
                for (int b = 0; src + b < w_end; ++b) dst[16 * g + b] = src[b];
            }
        }
    };
    auto issue_activations = [&](int chunk) {
        const int q8_bytes = chunk_cols(chunk) / 32 * 36;
        const uint8_t* x0 = xq + int64_t(chunk) * kChunkQ8Bytes;
        uint8_t* xs = stages + (chunk & 1) * kStageBytes + L::kWeightBytes;
        for (int i = threadIdx.x; i < NTOK * (kChunkQ8Bytes / 4); i += kThreads) {
            const int t = i / (kChunkQ8Bytes / 4), at = 4 * (i % (kChunkQ8Bytes / 4));
            if (at < q8_bytes) copy_async4(xs + t * kChunkQ8Bytes + at, x0 + t * xq_row_bytes + at);
        }
    };

    float acc[NTOK];
#pragma unroll
    for (int t = 0; t < NTOK; ++t) acc[t] = 0.0f;

    issue_weights(0);  // the weights are no kernel's output: on their way before the wait
    pdl_wait();
    pdl_launch_dependents();
    load_norm_inputs<NORM>(norm, r, lane);
    issue_activations(0);
    for (int chunk = 0; chunk < n_chunks; ++chunk) {
        copy_async_wait_all();
        __syncthreads();  // this chunk has landed, and every warp is done with the other stage
        if (chunk + 1 < n_chunks) {
            issue_weights(chunk + 1);
            issue_activations(chunk + 1);
        }
        if (r.valid) {
            const uint8_t* stage = stages + (chunk & 1) * kStageBytes;
            const uint8_t* wb =
                stage + warp * L::kWarpBytes + (reinterpret_cast<uintptr_t>(chunk_start(chunk)) & 15);
            const uint8_t* xs = stage + L::kWeightBytes;
            const int n_parts = chunk_cols(chunk) / Q::kBlockElems * Q::kParts;
            for (int p = lane; p < n_parts; p += 32) {
                const int b = p / Q::kParts;
                Q::template dot<NTOK>(wb + b * Q::kBlockBytes, p % Q::kParts, xs + b * (Q::kBlockElems / 32) * 36, acc);
            }
        }
    }

    store_row<NORM>(norm, r, lane, acc, accumulate);
}

template <sl_type T, int NTOK>
void launch(const MatvecParts& parts, const MatvecNorm& norm, int64_t cols, const void* xq, bool accumulate,
            cudaStream_t stream) {
    // This kernel folds no norm (matvec_folds_norm); at one token it may apply an input's factor.
    auto kernel = matvec_q8_1_kernel<T, NTOK, kNormNone>;
    if constexpr (NTOK == 1) {
        if (norm_kind(norm) == kNormScale) kernel = matvec_q8_1_kernel<T, 1, kNormScale>;
    }
    const int smem = 2 * StageLayout<T>::bytes(NTOK);
    if (smem > 48 * 1024) {
        SL_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    }
    launch_overlapped("matvec_q8_1", kernel, parts.blocks, kThreads, size_t(smem), stream, parts, norm, cols,
                      static_cast<const uint8_t*>(xq), accumulate);
}

template <sl_type T, int NTOK = 1>
void dispatch_tokens(int n_tok, const MatvecParts& parts, const MatvecNorm& norm, int64_t cols, const void* xq,
                     bool accumulate, cudaStream_t stream) {
    if constexpr (NTOK < kMaxMatvecTokens) {
        if (n_tok > NTOK) return dispatch_tokens<T, NTOK + 1>(n_tok, parts, norm, cols, xq, accumulate, stream);
    }
    launch<T, NTOK>(parts, norm, cols, xq, accumulate, stream);
}

}  // namespace

bool matvec_reads_q8_1(sl_type type) {
    return type != SL_TYPE_F32 && type != SL_TYPE_F16 && type != SL_TYPE_BF16;
}

// The kernels with a one-row-a-warp form in blocks of kFoldWarps (the staged kernel above has not).
bool matvec_folds_norm(sl_type type, int64_t cols) {
    switch (type) {
        case SL_TYPE_F32:
        case SL_TYPE_F16:
        case SL_TYPE_BF16: return true;
        case SL_TYPE_Q4_K: return cols % 256 == 0;
        case SL_TYPE_Q4_0:
        case SL_TYPE_Q8_0: return cols % kMatvecLegacyGroupCols == 0;
        case SL_TYPE_Q6_K: return cols % kMatvecQ6KGroupCols == 0;
        default: return false;
    }
}

void matvec(sl_type type, std::span<const MatvecPart> parts, int64_t cols, const float* x, int64_t ldx,
            const void* xq, int n_tok, bool accumulate, cudaStream_t stream, const MatvecNorm& norm) {
    if (n_tok < 1 || n_tok > kMaxMatvecTokens) raise(SL_ERR_INVALID_ARGUMENT, "matvec: n_tok %d out of 1..%d", n_tok, kMaxMatvecTokens);
    if ((norm.scale.sum_sq || norm.fold.weight) && n_tok != 1)
        raise(SL_ERR_INVALID_ARGUMENT, "matvec: a norm beside the product needs one token, not %d", n_tok);
    if (norm.fold.weight && !matvec_folds_norm(type, cols))
        raise(SL_ERR_INVALID_ARGUMENT, "matvec: %s weights %lld wide cannot fold a norm", type_traits(type)->name,
              static_cast<long long>(cols));
    int64_t rows = 0;
    for (const MatvecPart& p : parts) rows += p.rows;
    if (rows <= 0) return;
    if (!matvec_reads_q8_1(type)) return matvec_float(type, parts, cols, x, ldx, n_tok, accumulate, stream, norm);
    const TypeTraits* traits = type_traits(type);
    if (!traits || !traits->is_weight_type) {
        raise(SL_ERR_UNSUPPORTED, "matvec: tensor type %s is not supported", traits ? traits->name : "(unknown)");
    }
    if (cols % traits->block_elems != 0) {
        raise(SL_ERR_INVALID_ARGUMENT, "matvec: %lld columns are not a multiple of the %s block", (long long)cols, traits->name);
    }
    for (const MatvecPart& p : parts) {
        if (reinterpret_cast<uintptr_t>(p.w) % 16) raise(SL_ERR_INVALID_ARGUMENT, "matvec: weights must be 16-byte aligned");
    }
    if (reinterpret_cast<uintptr_t>(xq) % 4) raise(SL_ERR_INVALID_ARGUMENT, "matvec: Q8_1 activations must be 4-byte aligned");
    const auto run = [&](auto type_tag) {
        dispatch_tokens<decltype(type_tag)::value>(n_tok, matvec_parts(parts, kWarps, norm), norm, cols, xq, accumulate,
                                                   stream);
    };
    switch (type) {
        case SL_TYPE_Q4_0:
            if (cols % kMatvecLegacyGroupCols == 0) return matvec_q4_0(parts, cols, xq, n_tok, accumulate, stream, norm);
            return run(std::integral_constant<sl_type, SL_TYPE_Q4_0>{});
        case SL_TYPE_Q4_1: return run(std::integral_constant<sl_type, SL_TYPE_Q4_1>{});
        case SL_TYPE_Q5_0: return run(std::integral_constant<sl_type, SL_TYPE_Q5_0>{});
        case SL_TYPE_Q5_1: return run(std::integral_constant<sl_type, SL_TYPE_Q5_1>{});
        case SL_TYPE_Q8_0:
            if (cols % kMatvecLegacyGroupCols == 0) return matvec_q8_0(parts, cols, xq, n_tok, accumulate, stream, norm);
            return run(std::integral_constant<sl_type, SL_TYPE_Q8_0>{});
        case SL_TYPE_Q2_K: return run(std::integral_constant<sl_type, SL_TYPE_Q2_K>{});
        case SL_TYPE_Q3_K: return run(std::integral_constant<sl_type, SL_TYPE_Q3_K>{});
        case SL_TYPE_Q4_K: return matvec_q4_k(parts, cols, xq, n_tok, accumulate, stream, norm);
        case SL_TYPE_Q5_K: return run(std::integral_constant<sl_type, SL_TYPE_Q5_K>{});
        case SL_TYPE_Q6_K:
            if (cols % kMatvecQ6KGroupCols == 0) return matvec_q6_k(parts, cols, xq, n_tok, accumulate, stream, norm);
            return run(std::integral_constant<sl_type, SL_TYPE_Q6_K>{});
        default: raise(SL_ERR_UNSUPPORTED, "matvec: tensor type %s is not supported", traits->name);
    }
}

}  // namespace sl::cuda
