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

// Sub-block s = 4 * hi + t (t < 4) of the packed bytes given as three little-endian words w0
// (bytes 0-3), w1 (4-7) and w2 (8-11).
SL_HOST_DEVICE void k4_scale_min_words(uint32_t w0, uint32_t w1, uint32_t w2, int t, bool hi, int* sc, int* mn) {
    const int shift = 8 * t;
    const int x0 = int(w0 >> shift & 0xFFu), x1 = int(w1 >> shift & 0xFFu), x2 = int(w2 >> shift & 0xFFu);
    *sc = hi ? (x2 & 0xF) | (x0 >> 6) << 4 : x0 & 63;
    *mn = hi ? (x2 >> 4) | (x1 >> 6) << 4 : x1 & 63;
}

}  // namespace sl::cuda
