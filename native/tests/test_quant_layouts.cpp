// Bit layouts: blocks built byte by byte decode to the values ggml's layout implies. The expected
// values come from the layout description written out here (ggml's loop structure over raw byte
// offsets), never from the library's decoders, structs or position helpers.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "cpu/quant/quant.h"

namespace {

using sl::cpu::dequantize_row;

// fp16 bit patterns with exactly known values, so expected floats are computed exactly.
struct Half {
    uint16_t bits;
    float value;
};
constexpr Half kHalves[] = {{0x3C00, 1.0f}, {0x3800, 0.5f}, {0x3400, 0.25f}, {0xB800, -0.5f},
                            {0x4200, 3.0f}, {0x2C00, 0.0625f}, {0x4900, 10.0f}};

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = uint8_t(v);
    b[at + 1] = uint8_t(v >> 8);
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
    std::vector<uint8_t> b(n);
    for (auto& x : b) x = uint8_t(rng());
    return b;
}

Half pick(std::mt19937& rng) { return kHalves[rng() % (sizeof kHalves / sizeof kHalves[0])]; }

void check_decodes(sl_type type, const std::vector<uint8_t>& block, const std::vector<float>& expected) {
    std::vector<float> got(expected.size());
    dequantize_row(type, block.data(), got.data(), int64_t(expected.size()));
    int wrong = 0;
    for (size_t i = 0; i < expected.size(); ++i) wrong += got[i] != expected[i];
    CHECK_EQ(wrong, 0);
    if (wrong) std::printf("  type %d: first mismatch at %d\n", int(type), [&] {
        for (size_t i = 0; i < expected.size(); ++i) if (got[i] != expected[i]) return int(i);
        return -1;
    }());
}

// ---- Legacy: d (fp16) [m (fp16)] [qh (4 bytes)] qs (16 bytes) --------------------------------

void legacy_block(std::mt19937& rng, sl_type type, bool has_m, bool has_qh, int offset) {
    const size_t qh_at = has_m ? 4 : 2, qs_at = qh_at + (has_qh ? 4 : 0);
    std::vector<uint8_t> b = random_bytes(rng, qs_at + 16);
    const Half d = pick(rng), m = pick(rng);
    put16(b, 0, d.bits);
    if (has_m) put16(b, 2, m.bits);
    const uint32_t qh = has_qh ? uint32_t(b[qh_at]) | b[qh_at + 1] << 8 | b[qh_at + 2] << 16 | uint32_t(b[qh_at + 3]) << 24 : 0;
    std::vector<float> y(32);
    for (int j = 0; j < 16; ++j) {
        const int xh0 = ((qh >> j) << 4) & 0x10;
        const int xh1 = (qh >> (j + 12)) & 0x10;
        const int x0 = ((b[qs_at + j] & 0x0F) | xh0) - offset;
        const int x1 = ((b[qs_at + j] >> 4) | xh1) - offset;
        y[j] = has_m ? x0 * d.value + m.value : x0 * d.value;
        y[j + 16] = has_m ? x1 * d.value + m.value : x1 * d.value;
    }
    check_decodes(type, b, y);
}

void q8_0_block(std::mt19937& rng) {
    std::vector<uint8_t> b = random_bytes(rng, 34);
    const Half d = pick(rng);
    put16(b, 0, d.bits);
    std::vector<float> y(32);
    for (int j = 0; j < 32; ++j) y[j] = float(int8_t(b[2 + j])) * d.value;
    check_decodes(SL_TYPE_Q8_0, b, y);
}

// ---- K-quants ---------------------------------------------------------------------------------

// Q2_K: scales[16] qs[64] d dmin.
void q2_K_block(std::mt19937& rng) {
    std::vector<uint8_t> b = random_bytes(rng, 84);
    const Half d = pick(rng), dmin = pick(rng);
    put16(b, 80, d.bits);
    put16(b, 82, dmin.bits);
    std::vector<float> y;
    const uint8_t* q = &b[16];
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; ++half) {
                const int sc = b[is++];
                const float dl = d.value * float(sc & 0xF), ml = dmin.value * float(sc >> 4);
                for (int l = 0; l < 16; ++l) y.push_back(dl * float((q[l + 16 * half] >> shift) & 3) - ml);
            }
        }
        q += 32;
    }
    check_decodes(SL_TYPE_Q2_K, b, y);
}

// Q3_K: hmask[32] qs[64] scales[12] d. Scales unpacked with ggml's 32-bit word masks.
void q3_K_block(std::mt19937& rng) {
    std::vector<uint8_t> b = random_bytes(rng, 110);
    const Half d = pick(rng);
    put16(b, 108, d.bits);
    uint32_t aux[4];
    std::memcpy(aux, &b[96], 12);
    const uint32_t tmp = aux[2];
    aux[2] = ((aux[0] >> 4) & 0x0f0f0f0f) | (((tmp >> 4) & 0x03030303) << 4);
    aux[3] = ((aux[1] >> 4) & 0x0f0f0f0f) | (((tmp >> 6) & 0x03030303) << 4);
    aux[0] = (aux[0] & 0x0f0f0f0f) | (((tmp >> 0) & 0x03030303) << 4);
    aux[1] = (aux[1] & 0x0f0f0f0f) | (((tmp >> 2) & 0x03030303) << 4);
    int8_t scales[16];
    std::memcpy(scales, aux, 16);
    std::vector<float> y;
    const uint8_t* q = &b[32];
    const uint8_t* hm = &b[0];
    int is = 0;
    uint8_t m = 1;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; ++half) {
                const float dl = d.value * float(scales[is++] - 32);
                for (int l = 16 * half; l < 16 * half + 16; ++l) {
                    y.push_back(dl * float(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4)));
                }
            }
            m <<= 1;
        }
        q += 32;
    }
    check_decodes(SL_TYPE_Q3_K, b, y);
}

void scale_min_k4(int j, const uint8_t* q, int* d, int* m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4);
    }
}

// Q4_K: d dmin scales[12] qs[128]; Q5_K: d dmin scales[12] qh[32] qs[128].
void q45_K_block(std::mt19937& rng, bool five_bits) {
    const size_t qh_at = 16, qs_at = five_bits ? 48 : 16;
    std::vector<uint8_t> b = random_bytes(rng, five_bits ? 176 : 144);
    const Half d = pick(rng), dmin = pick(rng);
    put16(b, 0, d.bits);
    put16(b, 2, dmin.bits);
    std::vector<float> y;
    const uint8_t* q = &b[qs_at];
    int is = 0;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < 256; j += 64) {
        int sc, mn;
        scale_min_k4(is + 0, &b[4], &sc, &mn);
        const float d1 = d.value * float(sc), m1 = dmin.value * float(mn);
        scale_min_k4(is + 1, &b[4], &sc, &mn);
        const float d2 = d.value * float(sc), m2 = dmin.value * float(mn);
        for (int l = 0; l < 32; ++l) {
            const int high = five_bits && (b[qh_at + l] & u1) ? 16 : 0;
            y.push_back(d1 * float((q[l] & 0xF) + high) - m1);
        }
        for (int l = 0; l < 32; ++l) {
            const int high = five_bits && (b[qh_at + l] & u2) ? 16 : 0;
            y.push_back(d2 * float((q[l] >> 4) + high) - m2);
        }
        q += 32;
        is += 2;
        u1 <<= 2;
        u2 <<= 2;
    }
    check_decodes(five_bits ? SL_TYPE_Q5_K : SL_TYPE_Q4_K, b, y);
}

// Q6_K: ql[128] qh[64] scales[16] (int8) d.
void q6_K_block(std::mt19937& rng) {
    std::vector<uint8_t> b = random_bytes(rng, 210);
    const Half d = pick(rng);
    put16(b, 208, d.bits);
    std::vector<float> y(256);
    const uint8_t* ql = &b[0];
    const uint8_t* qh = &b[128];
    const int8_t* sc = reinterpret_cast<const int8_t*>(&b[192]);
    for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = int8_t((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = int8_t((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = int8_t((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = int8_t((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[n + l + 0] = d.value * float(sc[is + 0]) * float(q1);
            y[n + l + 32] = d.value * float(sc[is + 2]) * float(q2);
            y[n + l + 64] = d.value * float(sc[is + 4]) * float(q3);
            y[n + l + 96] = d.value * float(sc[is + 6]) * float(q4);
        }
        ql += 64;
        qh += 32;
        sc += 8;
    }
    check_decodes(SL_TYPE_Q6_K, b, y);
}

// Q8_K: d (float32) qs[256] bsums[16].
void q8_K_block(std::mt19937& rng) {
    std::vector<uint8_t> b = random_bytes(rng, 292);
    const float d = 0.375f;
    std::memcpy(&b[0], &d, 4);
    std::vector<float> y(256);
    for (int j = 0; j < 256; ++j) y[j] = d * float(int8_t(b[4 + j]));
    check_decodes(SL_TYPE_Q8_K, b, y);
}

// Hand-picked numbers, worked out on paper: a Q4_K block with d = 0.5, dmin = 0.25,
// sub-block 0: scale 3, min 2, sub-block 5: scale 33 (0b100001), min 18 (0b010010).
void q4_K_worked_example() {
    std::vector<uint8_t> b(144, 0);
    put16(b, 0, 0x3800);  // d = 0.5
    put16(b, 2, 0x3400);  // dmin = 0.25
    b[4 + 0] = 3;                   // scale 0
    b[4 + 4] = 2;                   // min 0
    b[4 + 9] = 0x21;                // sub-block 5: low nibbles of scale (1) and min (2)
    b[4 + 1] = 2 << 6;              // top bits of scale 5 (0b10)
    b[4 + 5] = 1 << 6;              // top bits of min 5 (0b01)
    b[16 + 0] = 0x07;               // element 0: nibble 7 (sub-block 0)
    b[16 + 64 + 1] = 0x90;          // element 2*64 + 32 + 1 = 161: high nibble 9 (sub-block 5)
    std::vector<float> got(256);
    dequantize_row(SL_TYPE_Q4_K, b.data(), got.data(), 256);
    CHECK_EQ(got[0] == 0.5f * 3 * 7 - 0.25f * 2, true);      // 10.0
    CHECK_EQ(got[1] == -0.5f, true);                         // nibble 0: just -min
    CHECK_EQ(got[161] == 0.5f * 33 * 9 - 0.25f * 18, true);  // 144.0
    CHECK_EQ(got[160] == -0.25f * 18, true);
}

// Q4_0 by hand: d = 2, qs[0] = 0x3C -> element 0 = (12 - 8) * 2, element 16 = (3 - 8) * 2.
void q4_0_worked_example() {
    std::vector<uint8_t> b(18, 0x88);
    put16(b, 0, 0x4000);
    b[2] = 0x3C;
    std::vector<float> got(32);
    dequantize_row(SL_TYPE_Q4_0, b.data(), got.data(), 32);
    CHECK_EQ(got[0] == 8.0f, true);
    CHECK_EQ(got[16] == -10.0f, true);
    CHECK_EQ(got[1] == 0.0f, true);
}

void float_types() {
    const uint8_t f16[] = {0x00, 0x3C, 0x00, 0xC0};  // 1.0, -2.0
    const uint8_t bf16[] = {0x80, 0x3F, 0x40, 0xC0};  // 1.0, -3.0
    const float f32[] = {1.5f, -7.25f};
    float y[2];
    dequantize_row(SL_TYPE_F16, f16, y, 2);
    CHECK(y[0] == 1.0f && y[1] == -2.0f);
    dequantize_row(SL_TYPE_BF16, bf16, y, 2);
    CHECK(y[0] == 1.0f && y[1] == -3.0f);
    dequantize_row(SL_TYPE_F32, f32, y, 2);
    CHECK(y[0] == 1.5f && y[1] == -7.25f);
}

void block_geometry() {
    struct Expected { sl_type type; int64_t elems; size_t bytes; };
    const Expected table[] = {{SL_TYPE_F32, 1, 4},    {SL_TYPE_F16, 1, 2},     {SL_TYPE_BF16, 1, 2},
                              {SL_TYPE_Q4_0, 32, 18}, {SL_TYPE_Q4_1, 32, 20},  {SL_TYPE_Q5_0, 32, 22},
                              {SL_TYPE_Q5_1, 32, 24}, {SL_TYPE_Q8_0, 32, 34},  {SL_TYPE_Q2_K, 256, 84},
                              {SL_TYPE_Q3_K, 256, 110}, {SL_TYPE_Q4_K, 256, 144}, {SL_TYPE_Q5_K, 256, 176},
                              {SL_TYPE_Q6_K, 256, 210}, {SL_TYPE_Q8_K, 256, 292}};
    for (const Expected& e : table) {
        const sl::TypeTraits* t = sl::type_traits(e.type);
        CHECK(t != nullptr);
        if (!t) continue;
        CHECK_EQ(t->block_elems, e.elems);
        CHECK_EQ(t->block_bytes, e.bytes);
        CHECK_EQ(sl::row_bytes(e.type, e.elems * 8), e.bytes * 8);
    }
    CHECK(sl::type_traits(SL_TYPE_Q8_1) == nullptr);
    CHECK(sl::type_traits(4) == nullptr);
    CHECK(sl::type_traits(-1) == nullptr);
    CHECK(!sl::type_traits(SL_TYPE_Q8_K)->is_weight_type);
}

}  // namespace

int main() {
    std::mt19937 rng(1234);
    for (int trial = 0; trial < 50; ++trial) {
        legacy_block(rng, SL_TYPE_Q4_0, false, false, 8);
        legacy_block(rng, SL_TYPE_Q4_1, true, false, 0);
        legacy_block(rng, SL_TYPE_Q5_0, false, true, 16);
        legacy_block(rng, SL_TYPE_Q5_1, true, true, 0);
        q8_0_block(rng);
        q2_K_block(rng);
        q3_K_block(rng);
        q45_K_block(rng, false);
        q45_K_block(rng, true);
        q6_K_block(rng);
        q8_K_block(rng);
    }
    q4_K_worked_example();
    q4_0_worked_example();
    float_types();
    block_geometry();
    return sltest::finish("test_quant_layouts");
}
