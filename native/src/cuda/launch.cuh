// Launches of the decode-step kernels with programmatic dependent launch (Hopper and later): such a
// kernel may start while the kernel before it on the stream is still running, as soon as every
// block of that one has called pdl_launch_dependents() or exited, so its start and whatever it does
// before pdl_wait() (the matvecs load their first weights) overlap the tail of the kernel before.
// Stream capture keeps the overlap as programmatic edges of the CUDA graph.
// On by default; SLUICE_CUDA_OVERLAP=0 in the environment gives plain launches (as before Hopper,
// where the device calls do nothing) for A/B runs. Run 5 (docs/PERF.md) saw the CUDA forward test
// fail once with overlap on; the race that fits it (zero fills on the legacy stream,
// device_memory.cpp) is fixed, and scripts/gpu_kernels.sh runs every parity test both ways.
#pragma once

#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "cuda/cuda_check.h"

namespace sl::cuda {

// Returns once every earlier kernel of the stream has completed and its writes are visible: a
// kernel launched with launch_overlapped calls it before it touches memory that earlier kernels
// write or read (anything but the weights).
__device__ __forceinline__ void pdl_wait() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

// Lets the next kernel of the stream start (it still waits in its pdl_wait for this one to finish).
__device__ __forceinline__ void pdl_launch_dependents() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

// Whether the current device is Hopper or later (programmatic dependent launch, thread-block clusters).
inline bool hopper_or_later() {
    int device = 0, major = 0;
    SL_CUDA(cudaGetDevice(&device));
    SL_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    return major >= 9;
}

// Whether launches on the current device overlap.
inline bool overlap_launches() {
    static const bool enabled = [] {
        const char* env = std::getenv("SLUICE_CUDA_OVERLAP");
        return !env || std::strcmp(env, "0") != 0;
    }();
    return enabled && hopper_or_later();
}

// The launch attribute that groups blocks in clusters of x along the grid's x.
inline cudaLaunchAttribute cluster_attribute(unsigned x) {
    cudaLaunchAttribute a{};
    a.id = cudaLaunchAttributeClusterDimension;
    a.val.clusterDim.x = x, a.val.clusterDim.y = 1, a.val.clusterDim.z = 1;
    return a;
}

// cluster_x > 1: blocks in clusters of that many along x (grid.x a multiple of it).
template <class... Params, class... Args>
void launch_overlapped_in_clusters(const char* name, unsigned cluster_x, void (*kernel)(Params...), dim3 grid, dim3 block,
                                   size_t smem_bytes, cudaStream_t stream, Args&&... args) {
    cudaLaunchAttribute attrs[2]{};
    unsigned n = 0;
    if (overlap_launches()) {
        attrs[n].id = cudaLaunchAttributeProgrammaticStreamSerialization;
        attrs[n++].val.programmaticStreamSerializationAllowed = 1;
    }
    if (cluster_x > 1) attrs[n++] = cluster_attribute(cluster_x);
    cudaLaunchConfig_t config{};
    config.gridDim = grid;
    config.blockDim = block;
    config.dynamicSmemBytes = smem_bytes;
    config.stream = stream;
    config.attrs = attrs;
    config.numAttrs = n;
    const cudaError_t err = cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
    if (err != cudaSuccess) check(err, name);
}

template <class... Params, class... Args>
void launch_overlapped(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem_bytes,
                       cudaStream_t stream, Args&&... args) {
    launch_overlapped_in_clusters(name, 1, kernel, grid, block, smem_bytes, stream, std::forward<Args>(args)...);
}

}  // namespace sl::cuda
