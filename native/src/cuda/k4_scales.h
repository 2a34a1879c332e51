// Q4_K / Q5_K's eight 6-bit scales and mins packed in 12 bytes (ggml's get_scale_min_k4), decoded
// without a branch: the lanes of a warp that hold sub-blocks of both halves of a super-block then
// run the same instructions instead of taking turns. Host and device code, so a host test holds it
// to ggml's definition for every byte value.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define SL_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define SL_HOST_DEVICE inline
#endif

namespace sl::cuda {

// Sub-blocks 2j and 2j + 1 (j < 4) of the packed bytes given as three little-endian words w0 (bytes
// 0-3), w1 (4-7) and w2 (8-11): the four scales (sc) and mins (mn) of the super-block's half, as the
// bytes of one word each; sub-block 2j's are bytes 2 * (j % 2), 2j + 1's the next.
SL_HOST_DEVICE void k4_scale_min_words(uint32_t w0, uint32_t w1, uint32_t w2, int j, uint32_t* sc, uint32_t* mn) {
    const bool hi = j >= 2;
    *sc = hi ? (w2 & 0x0F0F0F0Fu) | (w0 >> 2 & 0x30303030u) : w0 & 0x3F3F3F3Fu;
    *mn = hi ? (w2 >> 4 & 0x0F0F0F0Fu) | (w1 >> 2 & 0x30303030u) : w1 & 0x3F3F3F3Fu;
}

// The same as four values: sub-block 2j's scale and min, then 2j + 1's.
SL_HOST_DEVICE void k4_scale_min_pair(uint32_t w0, uint32_t w1, uint32_t w2, int j, int* sc0, int* mn0, int* sc1,
                                      int* mn1) {
    uint32_t sc, mn;
    k4_scale_min_words(w0, w1, w2, j, &sc, &mn);
    const int shift = 16 * (j & 1);
    *sc0 = int(sc >> shift & 0xFFu), *sc1 = int(sc >> (shift + 8) & 0xFFu);
    *mn0 = int(mn >> shift & 0xFFu), *mn1 = int(mn >> (shift + 8) & 0xFFu);
}

}  // namespace sl::cuda
