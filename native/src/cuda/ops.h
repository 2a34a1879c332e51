// Host-side launchers of the CUDA kernels, one .cu file per op family (as ggml-cuda splits them).
// Every launcher is asynchronous on the given stream, never synchronises, checks its launch, and
// takes device pointers unless a parameter says "host". Plain C++ types only (fp16 data as
// uint16_t), so host code and the ctest parity tests include this header with g++.
//
// Activations between ops are F32 rows; the KV cache is F16. Weight matrices are row-major: `rows`
// rows of `cols` elements of their sl_type, stored exactly as in the GGUF file (formats/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <cuda_runtime_api.h>

#include "sluice/sluice.h"

namespace sl::cuda {

// ---- Activations quantized for the int8 dot products (quantize.cu) ----------------------------
// ggml's block_q8_1: 32 int8 values, their fp16 scale d and fp16 d * sum(qs).
inline constexpr int kQ8_1BlockElems = 32;
inline constexpr int kQ8_1BlockBytes = 36;
// Bytes of one row of `cols` activations in Q8_1 (cols a multiple of 32).
inline int64_t q8_1_row_bytes(int64_t cols) { return cols / kQ8_1BlockElems * kQ8_1BlockBytes; }
// xq row t = Q8_1 of x row t (x rows ldx floats apart, xq rows q8_1_row_bytes(cols) apart).
void quantize_q8_1(const float* x, int64_t ldx, int64_t n_tok, int64_t cols, void* xq, cudaStream_t stream);

// ---- Matrix-vector products for decode (matvec.cu: quantized, matvec_float.cu: F32/F16/BF16) ---
// Batches up to this many tokens read each weight once per call; larger batches use the GEMM.
inline constexpr int kMaxMatvecTokens = 16;
// Whether matvec reads the activations as Q8_1 (the block-quantized types) or as floats.
bool matvec_reads_q8_1(sl_type type);
// One weight matrix of a matvec call (`rows` rows) and where its products go (rows ldy apart).
struct MatvecPart {
    const void* w;
    int64_t rows;
    float* y;
    int64_t ldy;
};
// Matrices one launch multiplies by the same activations (Q, K and V; gate and up).
inline constexpr int kMaxMatvecParts = 3;
// The RMSNorm between two one-token matvecs, folded into them (one kernel boundary less a norm).
// The matvec that writes the residual y (accumulate) also writes, with fold.weight set, everything
// of the norm but its factor 1/rms, which needs every row: fold.out = y * weight, its Q8_1 blocks
// (fold.out_q8_1, when not null) and fold.sum_sq[g] = sum of y^2 over rows 32g .. 32g + 31. The
// matvec that reads fold.out then takes scale = {sum_sq, rows / 32, eps} and multiplies its products
// by rsqrt(sum of sum_sq / rows + eps): the norm exactly, since Q8_1 of c * v is Q8_1 of v with its
// scale times c. A fold needs n_tok 1, one part whose rows are a multiple of kRmsFoldRows, and a
// type and width for which matvec_folds_norm holds; any matvec takes a scale at n_tok 1.
inline constexpr int kRmsFoldRows = 32;
struct RmsFold {
    const float* weight = nullptr;
    float* out = nullptr;
    void* out_q8_1 = nullptr;
    float* sum_sq = nullptr;
};
struct RmsScale {
    const float* sum_sq = nullptr;
    int32_t n_groups = 0;
    float eps = 0.0f;
};
struct MatvecNorm {
    RmsScale scale;  // of the input
    RmsFold fold;    // of the output
};
bool matvec_folds_norm(sl_type type, int64_t cols);
// For every part: y[t*ldy + r] = (accumulate ? y[t*ldy + r] : 0) + dot(W row r, x row t) for
// r < rows, t < n_tok, all parts of one type and `cols` wide, in one launch. For quantized types
// xq holds n_tok Q8_1 rows made by quantize_q8_1 and x is unused; for F32/F16/BF16 x holds n_tok
// float rows ldx apart and xq is unused. The launch may overlap the kernel before it (launch.cuh).
void matvec(sl_type type, std::span<const MatvecPart> parts, int64_t cols, const float* x, int64_t ldx,
            const void* xq, int n_tok, bool accumulate, cudaStream_t stream, const MatvecNorm& norm = {});
// The same for one matrix.
inline void matvec(sl_type type, const void* w, int64_t rows, int64_t cols, const float* x, int64_t ldx,
                   const void* xq, int n_tok, float* y, int64_t ldy, bool accumulate, cudaStream_t stream,
                   const MatvecNorm& norm = {}) {
    const MatvecPart part{w, rows, y, ldy};
    matvec(type, {&part, 1}, cols, x, ldx, xq, n_tok, accumulate, stream, norm);
}

// ---- Dequantization (dequantize.cu) ------------------------------------------------------------
// out (n_rows x cols, row-major fp16) = rows [0, n_rows) of w. BF16 and F32 values beyond fp16's
// range saturate to +-65504.
void dequantize_rows_f16(sl_type type, const void* w, int64_t n_rows, int64_t cols, uint16_t* out,
                         cudaStream_t stream);
// out row t (ldo floats apart) = row tokens[t] of the embedding table (n_tok ids in device memory,
// already range-checked on the host).
void get_rows(sl_type type, const void* table, int64_t cols, const int32_t* tokens, int64_t n_tok, float* out,
              int64_t ldo, cudaStream_t stream);

// ---- Prefill matrix products on tensor cores (gemm.cu) -----------------------------------------
// out (n_rows x cols fp16, row-major) = x rows (ldx floats apart).
void convert_f32_to_f16(const float* x, int64_t ldx, int64_t n_rows, int64_t cols, uint16_t* out,
                        cudaStream_t stream);
// One weight matrix of a gemm_f16 call: `rows` rows ldw halves apart, its products rows ldy floats apart.
struct GemmPart {
    const uint16_t* w;
    int64_t ldw;
    int64_t rows;
    float* y;
    int64_t ldy;
};
// Matrices one launch multiplies by the same activations (Q, K and V; gate and up).
inline constexpr int kMaxGemmParts = 3;
// For every part: y[t*ldy + r] = (accumulate ? y : 0) + sum_k x[t*ldx + k] * w[r*ldw + k] for
// t < n_tok, r < rows, k < cols: fp16 inputs, fp32 accumulation, mma tensor-core tiles, one launch
// whose blocks cover every part's row tiles. Any n_tok, rows; cols % 16 == 0.
void gemm_f16(const uint16_t* x, int64_t ldx, int64_t n_tok, std::span<const GemmPart> parts, int64_t cols,
              bool accumulate, cudaStream_t stream);
// The same for one matrix.
inline void gemm_f16(const uint16_t* x, int64_t ldx, int64_t n_tok, const uint16_t* w, int64_t ldw, int64_t rows,
                     int64_t cols, float* y, int64_t ldy, bool accumulate, cudaStream_t stream) {
    const GemmPart part{w, ldw, rows, y, ldy};
    gemm_f16(x, ldx, n_tok, {&part, 1}, cols, accumulate, stream);
}
// The same in fp32 throughout (F32 weights, where fp16 would cost accuracy).
void gemm_f32(const float* x, int64_t ldx, int64_t n_tok, const float* w, int64_t ldw, int64_t rows, int64_t cols,
              float* y, int64_t ldy, bool accumulate, cudaStream_t stream);

// RoPE's parameters (rope.cu, and decode attention, which rotates in registers).
struct RopeArgs {
    int32_t n_rot;
    int32_t head_dim;
    float freq_base;
    float freq_scale;
    const float* factors;
};

// ---- Attention over the F16 KV cache (attention_decode.cu, attention_prefill.cu) ---------------
// K and V of one layer: n_ctx rows of kv_width = n_head_kv * head_dim fp16 values; query head h
// reads KV head h / (n_head / n_head_kv). head_dim is 64 or 128.
struct AttentionArgs {
    int32_t n_head;
    int32_t n_head_kv;
    int32_t head_dim;
    float scale;
    uint16_t* k_cache;  // read, and written by attention_decode's store of the new row
    uint16_t* v_cache;
    int64_t kv_width;
};
// One query (q: n_head * head_dim floats) at position *pos (device int) over positions [0, *pos],
// split over blocks of positions (flash-decoding), the query heads of a KV head sharing its loads.
// q, and k_new when given, are first rotated by `rope` at *pos (n_rot 0: not at all; rope.head_dim
// is a.head_dim), in registers: the buffers are left as they are. rope_cs: rope_angles(rope, pos)'s
// output (null when n_rot is 0). When k_new and v_new are given
// (this token's rows, kv_width floats, 16-byte aligned) they are stored as fp16 at cache row *pos
// in the same launch; otherwise the cache holds that row. out_q8_1, when not null, also gets out's
// Q8_1 blocks (head_dim % 32 == 0). The grid depends on max_ctx only, so the launch can be captured
// in a CUDA graph and replayed as *pos advances. workspace: attention_decode_workspace_bytes(...)
// bytes of device memory.
size_t attention_decode_workspace_bytes(int32_t n_head, int32_t head_dim, int32_t max_ctx);
void attention_decode(const AttentionArgs& a, const RopeArgs& rope, const float* rope_cs, const float* q,
                      const float* k_new, const float* v_new, const int32_t* pos, int32_t max_ctx, float* out,
                      void* out_q8_1, void* workspace, cudaStream_t stream);
// n_tok queries (rows ldq floats apart) at positions pos0 .. pos0 + n_tok - 1 (host int), causal:
// query t attends to [0, pos0 + t]. Tiled over queries and positions (flash attention).
void attention_prefill(const AttentionArgs& a, const float* q, int64_t ldq, int64_t n_tok, int32_t pos0,
                       float* out, int64_t ldo, cudaStream_t stream);

// ---- Normalisation, RoPE, elementwise (norm.cu, rope.cu, elementwise.cu) -----------------------
// out row t = x row t / sqrt(mean(x^2) + eps) * weight (rows `width` floats, contiguous); when
// out_q8_1 is not null, also the Q8_1 rows of out, as quantize_q8_1 makes them (width % 32 == 0).
void rms_norm(const float* x, const float* weight, int64_t n_tok, int64_t width, float eps, float* out,
              void* out_q8_1, cudaStream_t stream);
// Completes a norm folded into a matvec (RmsFold) for readers other than matvecs: the one row out
// (width floats, y * weight) times rsqrt(sum of sum_sq / width + eps), and its Q8_1 blocks again
// when out_q8_1 is not null (width % 32 == 0).
void rms_apply_scale(float* out, int64_t width, const float* sum_sq, float eps, void* out_q8_1, cudaStream_t stream);
// Rotates adjacent pairs of the first n_rot dims of every head of q row t and of k row t, at
// position pos[t] (device ints), in one launch. factors: n_rot / 2 frequency divisors (Llama 3.1)
// or null.
void rope(float* q, int64_t q_width, float* k, int64_t k_width, int64_t n_tok, const RopeArgs& args,
          const int32_t* pos, cudaStream_t stream);
// cs = (cos, sin) of the angle of each of the first n_rot / 2 pairs at position *pos (device int),
// rounded as rope's: decode attention's rotation, computed once a step for all layers. cs: n_rot floats.
void rope_angles(const RopeArgs& args, const int32_t* pos, float* cs, cudaStream_t stream);
// Stores the n_tok rows of k and v (kv_width floats each, contiguous) as fp16 at cache rows pos[t].
void store_kv(const float* k, const float* v, int64_t n_tok, int64_t kv_width, const int32_t* pos, uint16_t* k_cache,
              uint16_t* v_cache, cudaStream_t stream);
// out = silu(gate) * up over n elements (out may alias gate); when out_q8_1 is not null, also
// out's Q8_1 blocks (n % 32 == 0).
void swiglu(const float* gate, const float* up, int64_t n, float* out, void* out_q8_1, cudaStream_t stream);
// dst += src over n elements.
void add(float* dst, const float* src, int64_t n, cudaStream_t stream);
// bytes from pinned host memory to dst, read by a kernel rather than a DMA: the compute stream's
// small copies do not wait behind the transfer stream's on the copy engine.
void copy_from_pinned(void* dst, const void* pinned, size_t bytes, cudaStream_t stream);

// ---- Sampling help (top_k.cu) ------------------------------------------------------------------
// The k largest of n logits, in descending order (ties: lower id first), as ids and values.
// 1 <= k <= 256. workspace: top_k_workspace_bytes(n, k) bytes of device memory.
inline constexpr int kMaxTopK = 256;
size_t top_k_workspace_bytes(int64_t n, int k);
void top_k(const float* logits, int64_t n, int k, int32_t* ids, float* values, void* workspace, cudaStream_t stream);

}  // namespace sl::cuda
