// Prefill matrix products: y = x . W^T with x n_tok x cols activations and W rows x cols weights,
// both K-major, so the product is a "TN" GEMM that maps straight onto mma.sync row.col.
//
// gemm_f16: 128x128 block tiles (tokens x weight rows), 8 warps each computing 64x32 with
// m16n8k16 fp16 mma (fp32 accumulators). Tiles of BK = 32 stream through a 4-stage cp.async ring in
// shared memory; fragments come out with ldmatrix from an XOR-swizzled layout (conflict-free without
// padding). Blocks along x walk the token tiles of one weight tile, so consecutive blocks share the
// weight tile in L2 and W crosses HBM about once; blocks along y walk the weight tiles of every matrix
// of the call (Q, K and V in one launch: K and V alone are 8 tiles of rows each, a sixth of the SMs).
// gemm_f32: a plain 64x64 SIMT tile, 4x4 outputs per thread, for the rare F32 weight.
#include <cuda_fp16.h>

#include <cstdint>
#include <span>

#include "core/status.h"
#include "cuda/cp_async.cuh"
#include "cuda/cuda_check.h"
#include "cuda/ops.h"

namespace sl::cuda {
namespace {

// ---- convert -------------------------------------------------------------------------------------

__global__ void convert_f32_to_f16_kernel(const float* __restrict__ x, int64_t ldx, int64_t n_rows, int64_t cols,
                                          __half* __restrict__ out) {
    const int64_t n = n_rows * cols;
    for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
        const int64_t r = i / cols, c = i - r * cols;
        out[i] = __float2half_rn(x[r * ldx + c]);
    }
}

// ---- fp16 tensor-core GEMM -----------------------------------------------------------------------

constexpr int kBM = 128;  // tokens per block tile
constexpr int kBN = 128;  // weight rows per block tile
constexpr int kBK = 32;   // k per pipeline stage (64 bytes per tile row: 4 chunks of 16 bytes)
constexpr int kStages = 4;
constexpr int kThreads = 256;  // 8 warps: 2 along M x 4 along N
constexpr int kWarpM = 64, kWarpN = 32;
constexpr int kTileHalves = (kBM + kBN) * kBK;
constexpr int kSmemBytes = kStages * kTileHalves * 2;

// Offset (halves) of 16-byte chunk c (0..3) of tile row `row`: the chunk index is XORed with bits 1..2
// of the row so the 8 rows an ldmatrix phase reads land in 8 distinct 16-byte bank groups.
__device__ __forceinline__ int swizzle(int row, int c) { return row * kBK + ((c ^ ((row >> 1) & 3)) << 3); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const __half* p) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(s));
}

__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Copies the BM x BK slice of `src` (n_src rows of ld halves) starting at (row0, k0) into a swizzled
// tile: 512 chunks of 16 bytes, two per thread.
__device__ __forceinline__ void load_tile(__half* tile, const __half* __restrict__ src, int64_t ld, int64_t n_src,
                                          int64_t row0, int k0, int cols) {
#pragma unroll
    for (int i = 0; i < 2; ++i) {
        const int q = threadIdx.x + i * kThreads;
        const int row = q >> 2, c = q & 3;
        const int k = k0 + c * 8;
        const bool ok = row0 + row < n_src && k < cols;
        const __half* g = ok ? src + (row0 + row) * ld + k : src;
        cp_async16(tile + swizzle(row, c), g, ok ? 16 : 0);
    }
}

// The matrices of one gemm_f16 launch; part i's row tiles begin at grid row first_tile[i].
struct GemmParts {
    const __half* w[kMaxGemmParts];
    int64_t ldw[kMaxGemmParts], rows[kMaxGemmParts], ldy[kMaxGemmParts];
    float* y[kMaxGemmParts];
    unsigned first_tile[kMaxGemmParts];
    int n;
};

__global__ void __launch_bounds__(kThreads, 2)
    gemm_f16_kernel(const __half* __restrict__ x, int64_t ldx, int64_t n_tok, GemmParts parts, int cols,
                    bool accumulate) {
    // This block's matrix: unrolled selects rather than an indexed array, which would go through
    // local memory.
    const __half* w = parts.w[0];
    float* y = parts.y[0];
    int64_t ldw = parts.ldw[0], rows = parts.rows[0], ldy = parts.ldy[0];
    unsigned first = 0;
#pragma unroll
    for (int i = 1; i < kMaxGemmParts; ++i) {
        if (i < parts.n && blockIdx.y >= parts.first_tile[i]) {
            w = parts.w[i], y = parts.y[i], ldw = parts.ldw[i], rows = parts.rows[i], ldy = parts.ldy[i];
            first = parts.first_tile[i];
        }
    }
    extern __shared__ uint4 smem_raw[];
    __half* smem = reinterpret_cast<__half*>(smem_raw);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int wm = warp >> 2, wn = warp & 3;
    const int64_t m0 = int64_t{blockIdx.x} * kBM, n0 = int64_t{blockIdx.y - first} * kBN;
    const int k_tiles = (cols + kBK - 1) / kBK;

    auto stage_a = [&](int s) { return smem + s * kTileHalves; };
    auto stage_b = [&](int s) { return smem + s * kTileHalves + kBM * kBK; };
    auto load_stage = [&](int s, int kt) {
        load_tile(stage_a(s), x, ldx, n_tok, m0, kt * kBK, cols);
        load_tile(stage_b(s), w, ldw, rows, n0, kt * kBK, cols);
    };

    float acc[4][4][4] = {};

#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
        if (s < k_tiles) load_stage(s, s);
        cp_async_commit();  // always commit so the group count stays in step with the tile index
    }

    for (int kt = 0; kt < k_tiles; ++kt) {
        cp_async_wait<kStages - 2>();  // tile kt has landed (this thread's copies)...
        __syncthreads();               // ...everyone's, and everyone is done with tile kt - 1's stage
        const int next = kt + kStages - 1;
        if (next < k_tiles) load_stage(next % kStages, next);
        cp_async_commit();

        const __half* a_tile = stage_a(kt % kStages);
        const __half* b_tile = stage_b(kt % kStages);
#pragma unroll
        for (int ks = 0; ks < kBK / 16; ++ks) {
            uint32_t a[4][4], b[4][2];
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                // matrices: rows 0-7 / 8-15 (lane bit 3) x k 0-7 / 8-15 (lane bit 4) = a0..a3
                const int row = wm * kWarpM + i * 16 + (lane & 15);
                ldmatrix_x4(a[i], a_tile + swizzle(row, ks * 2 + (lane >> 4)));
            }
#pragma unroll
            for (int p = 0; p < 2; ++p) {
                // matrices: (n 0-7, k 0-7), (n 0-7, k 8-15), (n 8-15, k 0-7), (n 8-15, k 8-15)
                const int row = wn * kWarpN + p * 16 + (lane & 7) + ((lane >> 4) << 3);
                uint32_t r[4];
                ldmatrix_x4(r, b_tile + swizzle(row, ks * 2 + ((lane >> 3) & 1)));
                b[2 * p][0] = r[0], b[2 * p][1] = r[1], b[2 * p + 1][0] = r[2], b[2 * p + 1][1] = r[3];
            }
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) mma_16816(acc[i][j], a[i], b[j][0], b[j][1]);
        }
    }
    cp_async_wait<0>();  // no copies may still target shared memory when the block exits

    // Accumulator layout: c0,c1 at (lane/4, 2*(lane%4) + {0,1}), c2,c3 eight rows below.
#pragma unroll
    for (int i = 0; i < 4; ++i) {
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int64_t t = m0 + wm * kWarpM + i * 16 + (lane >> 2) + half * 8;
            if (t >= n_tok) continue;
            float* yt = y + t * ldy;
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                const int64_t r = n0 + wn * kWarpN + j * 8 + (lane & 3) * 2;
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                    if (r + e >= rows) continue;
                    const float v = acc[i][j][half * 2 + e];
                    yt[r + e] = accumulate ? yt[r + e] + v : v;
                }
            }
        }
    }
}

// ---- fp32 SIMT GEMM ------------------------------------------------------------------------------

constexpr int kF32Tile = 64;
constexpr int kF32K = 16;

__global__ void __launch_bounds__(256)
    gemm_f32_kernel(const float* __restrict__ x, int64_t ldx, int64_t n_tok, const float* __restrict__ w,
                    int64_t ldw, int64_t rows, int64_t cols, float* __restrict__ y, int64_t ldy, bool accumulate) {
    // k-major tiles (+4 keeps rows 16-byte aligned and spreads the transposing stores over banks)
    __shared__ __align__(16) float xs[kF32K][kF32Tile + 4];
    __shared__ __align__(16) float ws[kF32K][kF32Tile + 4];
    const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
    const int64_t m0 = int64_t{blockIdx.x} * kF32Tile, n0 = int64_t{blockIdx.y} * kF32Tile;
    float acc[4][4] = {};
    for (int64_t k0 = 0; k0 < cols; k0 += kF32K) {
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int e = tid + i * 256, row = e / kF32K, k = e % kF32K;
            const bool in_k = k0 + k < cols;
            xs[k][row] = in_k && m0 + row < n_tok ? x[(m0 + row) * ldx + k0 + k] : 0.0f;
            ws[k][row] = in_k && n0 + row < rows ? w[(n0 + row) * ldw + k0 + k] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < kF32K; ++k) {
            const float4 a = *reinterpret_cast<const float4*>(&xs[k][ty * 4]);
            const float4 b = *reinterpret_cast<const float4*>(&ws[k][tx * 4]);
            const float av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int64_t t = m0 + ty * 4 + i;
        if (t >= n_tok) continue;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int64_t r = n0 + tx * 4 + j;
            if (r < rows) y[t * ldy + r] = accumulate ? y[t * ldy + r] + acc[i][j] : acc[i][j];
        }
    }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

}  // namespace

void convert_f32_to_f16(const float* x, int64_t ldx, int64_t n_rows, int64_t cols, uint16_t* out,
                        cudaStream_t stream) {
    const int64_t n = n_rows * cols;
    if (n == 0) return;
    const int64_t blocks = (n + 255) / 256;
    convert_f32_to_f16_kernel<<<static_cast<unsigned>(blocks < 65536 ? blocks : 65536), 256, 0, stream>>>(
        x, ldx, n_rows, cols, reinterpret_cast<__half*>(out));
    check_launch("convert_f32_to_f16");
}

void gemm_f16(const uint16_t* x, int64_t ldx, int64_t n_tok, std::span<const GemmPart> parts, int64_t cols,
              bool accumulate, cudaStream_t stream) {
    if (parts.empty() || parts.size() > size_t(kMaxGemmParts))
        raise(SL_ERR_INVALID_ARGUMENT, "gemm_f16: %zu weight matrices in one launch, not 1..%d", parts.size(), kMaxGemmParts);
    if (n_tok == 0) return;
    GemmParts list{};
    int64_t row_tiles = 0;
    for (const GemmPart& p : parts) {
        if (p.rows == 0) continue;
        // cp.async moves 16-byte chunks: every row must start 16-byte aligned.
        if (cols % 16 != 0 || ldx % 8 != 0 || p.ldw % 8 != 0 || !aligned16(x) || !aligned16(p.w))
            raise(SL_ERR_INVALID_ARGUMENT, "gemm_f16 needs cols %% 16 == 0 and 16-byte aligned rows (cols %lld, ldx %lld, ldw %lld)",
                  static_cast<long long>(cols), static_cast<long long>(ldx), static_cast<long long>(p.ldw));
        list.w[list.n] = reinterpret_cast<const __half*>(p.w);
        list.ldw[list.n] = p.ldw, list.rows[list.n] = p.rows, list.y[list.n] = p.y, list.ldy[list.n] = p.ldy;
        list.first_tile[list.n++] = static_cast<unsigned>(row_tiles);
        row_tiles += (p.rows + kBN - 1) / kBN;
        if (row_tiles > 65535) raise(SL_ERR_UNSUPPORTED, "gemm_f16: matrices too large");
    }
    if (list.n == 0) return;
    if (cols > INT32_MAX) raise(SL_ERR_UNSUPPORTED, "gemm_f16: matrix too large");
    static const bool configured = [] {
        SL_CUDA(cudaFuncSetAttribute(gemm_f16_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemBytes));
        return true;
    }();
    (void)configured;
    const dim3 grid(static_cast<unsigned>((n_tok + kBM - 1) / kBM), static_cast<unsigned>(row_tiles));
    gemm_f16_kernel<<<grid, kThreads, kSmemBytes, stream>>>(reinterpret_cast<const __half*>(x), ldx, n_tok, list,
                                                            static_cast<int>(cols), accumulate);
    check_launch("gemm_f16");
}

void gemm_f32(const float* x, int64_t ldx, int64_t n_tok, const float* w, int64_t ldw, int64_t rows, int64_t cols,
              float* y, int64_t ldy, bool accumulate, cudaStream_t stream) {
    if (n_tok == 0 || rows == 0) return;
    const int64_t row_tiles = (rows + kF32Tile - 1) / kF32Tile;
    if (row_tiles > 65535) raise(SL_ERR_UNSUPPORTED, "gemm_f32: matrix too large");
    const dim3 grid(static_cast<unsigned>((n_tok + kF32Tile - 1) / kF32Tile), static_cast<unsigned>(row_tiles));
    gemm_f32_kernel<<<grid, 256, 0, stream>>>(x, ldx, n_tok, w, ldw, rows, cols, y, ldy, accumulate);
    check_launch("gemm_f32");
}

}  // namespace sl::cuda
