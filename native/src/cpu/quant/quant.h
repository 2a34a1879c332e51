// The CPU backend's tensor types: ggml-compatible quant formats, scalar references, and the
// matrix-times-activations kernels the engine runs (AVX2 when the CPU has it, scalar otherwise).
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/types.h"
#include "sluice/sluice.h"

namespace sl::cpu {

// ---- Scalar references: plain C++, the truth every fast path and GPU kernel is tested against ----
void dequantize_row(sl_type type, const void* src, float* dst, int64_t n);
// Round-to-nearest with a per-block / per-sub-block scale search; never emits NaN/Inf scales
// for finite input.
void quantize_row(sl_type type, const float* src, void* dst, int64_t n);
// Dequantizes and accumulates in double.
double dot_reference(sl_type type, const void* w_row, const float* x, int64_t n);

// ---- Fast path ----
// Y[t*ldy + r] = dot(W row r, X[t*ldx ...]) for rows r in [r0, r1) and tokens t in [0, n_tok).
// W is row-major, each row `cols` elements of `type`. Each weight row is decoded once per call and
// applied to every token. Threading is the caller's: it splits [r0, r1).
void matmul_rows(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok,
                 float* Y, int64_t ldy, int64_t r0, int64_t r1);

// The same with activations quantized to 8 bits first (see activation_type), as llama.cpp does.
sl_type activation_type(sl_type weight_type);  // Q8_0, Q8_K, or F32 for F32/F16/BF16
void quantize_activations(sl_type act_type, const float* x, void* dst, int64_t n);
// The AVX2 quantizers behind it (Q8_0, Q8_K; false for other types): call only on an AVX2 CPU.
bool quantize_activations_avx2(sl_type act_type, const float* x, void* dst, int64_t n);
void matmul_rows_q8(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq_bytes,
                    int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1);

}  // namespace sl::cpu
