// Small device helpers shared by the quantized kernels: fp16 fields, byte-lane arithmetic for
// dp4a, unaligned 32-bit words, packed K-quant scales, asynchronous copies into shared memory.
#pragma once

#include <cuda_fp16.h>

#include <cstdint>

namespace sl::cuda {

// An fp16 field (2-byte aligned) as float.
__device__ __forceinline__ float half_at(const uint8_t* p) {
    return __half2float(__ushort_as_half(*reinterpret_cast<const uint16_t*>(p)));
}

// The fp16 value in the low 16 bits of a register.
__device__ __forceinline__ float half_bits(uint32_t bits) { return __half2float(__ushort_as_half(uint16_t(bits))); }

// v - c in each byte, for bytes of v below 128 and of c at most 128: setting bit 7 first keeps
// borrows from crossing bytes.
__device__ __forceinline__ int sub_bytes(uint32_t v, uint32_t c) {
    return int(((v | 0x80808080u) - c) ^ 0x80808080u);
}

// Bits 0..3 of h moved to bit 4 of bytes 0..3 (the fifth bit of four 5-bit quants).
__device__ __forceinline__ uint32_t spread4_to_bit4(uint32_t h) {
    return (h & 1u) << 4 | (h & 2u) << 11 | (h & 4u) << 18 | (h & 8u) << 25;
}

// Four unsigned bytes of a times four signed bytes of b, summed into c (dp4a.u32.s32): nibbles kept
// in place in the high half of their byte (16 q, 0..240) meet the activations without a shift.
__device__ __forceinline__ int dp4a_u8_s8(uint32_t a, int b, int c) {
#if defined(__CUDA_ARCH__)
    int d;
    asm("dp4a.u32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
    return d;
#else
    for (int i = 0; i < 4; ++i) c += int(uint8_t(a >> (8 * i))) * int(int8_t(uint32_t(b) >> (8 * i)));
    return c;
#endif
}

// Byte (selector & 3) of w, zero-extended, in one PRMT: the selector is 0x4440 + the byte's index
// (its other nibbles pick the zero word's byte 0).
__device__ __forceinline__ int byte_at(uint32_t w, uint32_t selector) { return int(__byte_perm(w, 0u, selector)); }

// N little-endian words starting at p. Unaligned p: N + 1 aligned loads joined by funnel shifts
// (reads up to 3 bytes past the last word; the stages leave slack for that).
template <int N, bool kAligned4>
__device__ __forceinline__ void load_words(const uint8_t* p, uint32_t (&w)[N]) {
    if constexpr (kAligned4) {
        const auto* q = reinterpret_cast<const uint32_t*>(p);
#pragma unroll
        for (int i = 0; i < N; ++i) w[i] = q[i];
    } else {
        const unsigned misalign = unsigned(reinterpret_cast<uintptr_t>(p) & 3);
        const auto* q = reinterpret_cast<const uint32_t*>(p - misalign);
        uint32_t lo = q[0];
#pragma unroll
        for (int i = 0; i < N; ++i) {
            const uint32_t hi = q[i + 1];
            w[i] = __funnelshift_r(lo, hi, 8 * misalign);
            lo = hi;
        }
    }
}

// 32-bit int i of a Q8_1 block's quants.
__device__ __forceinline__ int q8_1_int(const uint8_t* block, int i) {
    return reinterpret_cast<const int*>(block + 4)[i];
}

// Q3_K's sixteen 6-bit scales (low nibble, then two high bits), stored with a bias of 32.
__device__ __forceinline__ int q3_K_scale(const uint8_t* packed, int s) {
    const int low = s < 8 ? packed[s] & 15 : packed[s - 8] >> 4;
    const int high = packed[8 + s % 4] >> (2 * (s / 4)) & 3;
    return (low | high << 4) - 32;
}

// Q4_K / Q5_K: eight 6-bit scales and mins in 12 bytes (ggml's get_scale_min_k4).
__device__ __forceinline__ void k4_scale_min(const uint8_t* packed, int s, int* sc, int* mn) {
    if (s < 4) {
        *sc = packed[s] & 63;
        *mn = packed[s + 4] & 63;
    } else {
        *sc = (packed[s + 4] & 0xF) | (packed[s - 4] >> 6) << 4;
        *mn = (packed[s + 4] >> 4) | (packed[s] >> 6) << 4;
    }
}

// ---- Asynchronous global -> shared copies (cp.async on sm_80+, plain copies before) ----
__device__ __forceinline__ void copy_async16(void* dst, const void* src) {
#if __CUDA_ARCH__ >= 800
    const unsigned s = unsigned(__cvta_generic_to_shared(dst));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(src) : "memory");
#else
    *static_cast<uint4*>(dst) = *static_cast<const uint4*>(src);
#endif
}

__device__ __forceinline__ void copy_async4(void* dst, const void* src) {
#if __CUDA_ARCH__ >= 800
    const unsigned s = unsigned(__cvta_generic_to_shared(dst));
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4;\n" ::"r"(s), "l"(src) : "memory");
#else
    *static_cast<uint32_t*>(dst) = *static_cast<const uint32_t*>(src);
#endif
}

// Waits until every copy this thread issued has landed (then a barrier makes them block-visible).
__device__ __forceinline__ void copy_async_wait_all() {
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_all;\n" ::: "memory");
#endif
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

}  // namespace sl::cuda
