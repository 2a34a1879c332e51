// Where each element's bits live inside the K-quant blocks, shared by the scalar decoders
// (unpack.cpp) and encoders (quantize_k.cpp) so the two cannot disagree.
#pragma once

namespace sl::cpu {

// A bit field: byte index within an array of the block, and the shift of its lowest bit.
struct BitField {
    int byte;
    int shift;
};

// Q2_K / Q3_K: element 128h + 32k + l keeps its two low bits in qs[32h + l], bits 2k..2k+1.
constexpr BitField two_bit_field(int e) { return {32 * (e / 128) + e % 32, 2 * ((e % 128) / 32)}; }
// Q3_K: the third bit of element 128h + 32k + l is bit 4h + k of hmask[l].
constexpr BitField q3_K_high_bit(int e) { return {e % 32, 4 * (e / 128) + (e % 128) / 32}; }
// Q3_K scale s (6 bits): low nibble, then the two high bits.
constexpr BitField q3_K_scale_low(int s) { return s < 8 ? BitField{s, 0} : BitField{s - 8, 4}; }
constexpr BitField q3_K_scale_high(int s) { return {8 + s % 4, 2 * (s / 4)}; }
// Q4_K / Q5_K: element 64c + 32p + l sits in nibble p of qs[32c + l].
constexpr BitField k4_nibble(int e) { return {32 * (e / 64) + e % 32, 4 * ((e % 64) / 32)}; }
// Q5_K: the fifth bit of element e is bit e / 32 (its sub-block) of qh[e % 32].
constexpr BitField q5_K_high_bit(int e) { return {e % 32, e / 32}; }
// Q6_K: element 128h + 32m + l: low nibble in ql[64h + 32(m % 2) + l] (nibble m / 2),
// high two bits in qh[32h + l], bits 2m..2m+1.
constexpr BitField q6_K_low(int e) {
    return {64 * (e / 128) + 32 * ((e % 128) / 32 % 2) + e % 32, 4 * ((e % 128) / 64)};
}
constexpr BitField q6_K_high(int e) { return {32 * (e / 128) + e % 32, 2 * ((e % 128) / 32)}; }

// Reads a field of `width` bits.
constexpr int read_bits(const unsigned char* bytes, BitField f, int width) {
    return (bytes[f.byte] >> f.shift) & ((1 << width) - 1);
}

}  // namespace sl::cpu
