// Per-type row kernels of the CPU backend: block layouts bit-exact with ggml, dequantization,
// quantization and the matrix-times-activations kernels the forward pass runs on.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sluice/sluice.h"

namespace sl::cpu {

struct TypeTraits {
    sl_type type;
    const char* name;
    int64_t block_elems;
    size_t block_bytes;
    bool is_weight_type;  // false for the activation-only types (Q8_1, Q8_K)
};

const TypeTraits* type_traits(int32_t type);  // nullptr for unknown
uint64_t row_bytes(sl_type type, int64_t n);
void dequantize_row(sl_type type, const void* src, float* dst, int64_t n);
void quantize_row(sl_type type, const float* src, void* dst, int64_t n);
double dot_reference(sl_type type, const void* w_row, const float* x, int64_t n);

// Y[t*ldy + r] = dot(W row r, X row t) for r in [r0,r1), t in [0,n_tok); W rows of `cols`
// elements of `type`, X float32.
void matmul_rows(sl_type type, const void* W, int64_t cols, const float* X, int64_t ldx, int64_t n_tok,
                 float* Y, int64_t ldy, int64_t r0, int64_t r1);

// The 8-bit activation path: X quantized once per batch to activation_type(weight type).
sl_type activation_type(sl_type weight_type);
void quantize_activations(sl_type act_type, const float* x, void* dst, int64_t n);
void matmul_rows_q8(sl_type type, const void* W, int64_t cols, const void* Xq, int64_t ldxq_bytes,
                    int64_t n_tok, float* Y, int64_t ldy, int64_t r0, int64_t r1);

}  // namespace sl::cpu
