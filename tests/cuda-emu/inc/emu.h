// Host emulation shim for CUDA kernels: each CUDA thread is a fiber (hand-rolled x86-64 context switch),
// blocks run one after another on the calling OS thread, but for the blocks of a cluster, which run
// together; __shared__ = static thread_local (per OS thread, hence per block as blocks of one launch
// run sequentially on one OS thread: a kernel launched in clusters must keep its shared memory in
// the dynamic buffer, each block's own, which map_shared_rank reaches).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/half.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __shared__ static thread_local

struct uint3 { unsigned x, y, z; };
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(8) float2 { float x, y; };
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) uint4 { unsigned x, y, z, w; };
struct alignas(8) uint2 { unsigned x, y; };
struct alignas(16) int4 { int x, y, z, w; };
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }

struct __half { uint16_t bits; };
struct alignas(4) __half2 { __half x, y; };
inline float __half2float(__half h) { return sl::fp16_to_fp32(h.bits); }
inline __half __float2half_rn(float f) { return {sl::fp32_to_fp16(f)}; }
inline __half __float2half(float f) { return __float2half_rn(f); }
inline unsigned short __half_as_ushort(__half h) { return h.bits; }
inline __half __ushort_as_half(unsigned short b) { return {b}; }
inline float2 __half22float2(__half2 h) { return {__half2float(h.x), __half2float(h.y)}; }
inline __half2 __float22half2_rn(float2 f) { return {__float2half_rn(f.x), __float2half_rn(f.y)}; }
inline __half2 __floats2half2_rn(float a, float b) { return {__float2half_rn(a), __float2half_rn(b)}; }
inline float __low2float(__half2 h) { return __half2float(h.x); }
inline float __high2float(__half2 h) { return __half2float(h.y); }

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }

// ---- integer and load intrinsics ----
template <class T>
inline T __ldg(const T* p) { return *p; }
// Four signed byte products of a and b, summed into c.
inline int __dp4a(int a, int b, int c) {
    for (int i = 0; i < 4; ++i) c += int(int8_t(uint32_t(a) >> (8 * i))) * int(int8_t(uint32_t(b) >> (8 * i)));
    return c;
}
// Byte i of the result is byte (s >> 4i) & 7 of (y:x) (the default mode, no sign replication).
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
    const uint64_t v = uint64_t{y} << 32 | x;
    unsigned r = 0;
    for (int i = 0; i < 4; ++i) r |= unsigned(v >> (8 * (s >> (4 * i) & 7)) & 0xFFu) << (8 * i);
    return r;
}
// The low 32 bits of (hi:lo) >> shift: the wrapping form takes shift mod 32, the clamping one caps it at 32.
inline unsigned __funnelshift_r(unsigned lo, unsigned hi, unsigned shift) {
    return unsigned(((uint64_t{hi} << 32) | lo) >> (shift & 31));
}
inline unsigned __funnelshift_rc(unsigned lo, unsigned hi, unsigned shift) {
    return unsigned(((uint64_t{hi} << 32) | lo) >> std::min(shift, 32u));
}

extern thread_local uint3 threadIdx, blockIdx;
extern thread_local dim3 blockDim, gridDim;

namespace emu {
void warp_barrier();
void block_barrier();
uint64_t* shfl_slots();        // the current warp's 32 exchange slots
int lane_id();
void check_full_warp(unsigned mask);
void* dyn_smem();
void run_grid(const char* what, dim3 grid, dim3 block, size_t smem, unsigned cluster_x, void* kernel,
              const std::function<void()>& body);
void cluster_barrier();
unsigned cluster_block_rank();
void* cluster_map(const void* p, unsigned rank);
extern thread_local long long n_shuffles;
}  // namespace emu

inline void __syncthreads() { emu::block_barrier(); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::warp_barrier(); }

template <class T>
T emu_shfl(unsigned mask, T v, int src) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>);
    emu::check_full_warp(mask);
    uint64_t* s = emu::shfl_slots();
    const int lane = emu::lane_id();
    uint64_t w = 0;
    std::memcpy(&w, &v, sizeof(T));
    s[lane] = w;
    emu::warp_barrier();
    T r;
    const uint64_t got = s[src & 31];
    std::memcpy(&r, &got, sizeof(T));
    emu::warp_barrier();
    return r;
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int o, int width = 32) {
    const int lane = emu::lane_id();
    (void)width;
    return emu_shfl(mask, v, lane ^ o);
}
template <class T>
T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    const int lane = emu::lane_id();
    return emu_shfl(mask, v, (lane & ~(width - 1)) + (src % width));
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, int d, int width = 32) {
    const int lane = emu::lane_id();
    const int src = (lane % width) + d < width ? lane + d : lane;
    return emu_shfl(mask, v, src);
}

// ---- runtime ----
typedef int cudaError_t;
enum : int { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorInvalidConfiguration = 9 };
typedef struct CUstream_st* cudaStream_t;
enum cudaLaunchAttributeID { cudaLaunchAttributeClusterDimension = 4, cudaLaunchAttributeProgrammaticStreamSerialization = 5 };
union cudaLaunchAttributeValue {
    char pad[64];
    int programmaticStreamSerializationAllowed;
    struct {
        unsigned x, y, z;
    } clusterDim;
};
struct cudaLaunchAttribute {
    cudaLaunchAttributeID id;
    cudaLaunchAttributeValue val;
};
struct cudaLaunchConfig_t {
    dim3 gridDim, blockDim;
    size_t dynamicSmemBytes;
    cudaStream_t stream;
    cudaLaunchAttribute* attrs;
    unsigned numAttrs;
};
enum cudaDeviceAttr { cudaDevAttrComputeCapabilityMajor = 75 };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8, cudaFuncAttributeNonPortableClusterSizeAllowed = 11 };
inline cudaError_t cudaGetDevice(int* d) { *d = 0; return cudaSuccess; }
inline cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr, int) { *v = 9; return cudaSuccess; }
inline const char* cudaGetErrorString(cudaError_t) { return "emulated cuda error"; }
namespace emu {
void set_max_dyn_smem(void* kernel, int bytes);
}
template <class F>
cudaError_t cudaFuncSetAttribute(F* kernel, cudaFuncAttribute attr, int v) {
    if (attr == cudaFuncAttributeMaxDynamicSharedMemorySize) emu::set_max_dyn_smem(reinterpret_cast<void*>(kernel), v);
    return cudaSuccess;
}
namespace emu {
bool launch_ok(void* kernel, dim3 block, size_t smem);
}
inline unsigned emu_cluster_x(const cudaLaunchConfig_t* c) {
    for (unsigned i = 0; i < c->numAttrs; ++i) {
        if (c->attrs[i].id == cudaLaunchAttributeClusterDimension) {
            const auto& d = c->attrs[i].val.clusterDim;
            if (d.y != 1 || d.z != 1) return 0;  // clusters along x only (run_grid refuses 0)
            return d.x;
        }
    }
    return 1;
}
template <class... Exp, class... Act>
cudaError_t cudaLaunchKernelEx(const cudaLaunchConfig_t* c, void (*k)(Exp...), Act&&... args) {
    static_assert(sizeof...(Exp) == sizeof...(Act));
    if (!emu::launch_ok(reinterpret_cast<void*>(k), c->blockDim, c->dynamicSmemBytes)) return cudaErrorInvalidConfiguration;
    const std::tuple<std::decay_t<Exp>...> t(std::forward<Act>(args)...);
    emu::run_grid("kernel", c->gridDim, c->blockDim, c->dynamicSmemBytes, emu_cluster_x(c), reinterpret_cast<void*>(k),
                  [&] { std::apply(k, t); });
    return cudaSuccess;
}
// Any cluster of up to 16 blocks runs (they run one cluster at a time).
template <class F>
cudaError_t cudaOccupancyMaxActiveClusters(int* n, F*, const cudaLaunchConfig_t* c) {
    const unsigned x = emu_cluster_x(c);
    *n = x >= 1 && x <= 16 ? 1 : 0;
    return cudaSuccess;
}
