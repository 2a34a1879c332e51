package dev.sluice;

/**
 * A compute device Sluice can run on: the CPU (always present) or a CUDA GPU.
 *
 * @param backend     {@code "cpu"} or {@code "cuda"}
 * @param ordinal     index within its backend
 * @param computeCapability CUDA compute capability such as {@code "9.0"}; empty for the CPU
 * @param totalMemory bytes of VRAM, or physical RAM for the CPU
 * @param freeMemory  bytes free now
 * @param cores       streaming multiprocessors, or physical CPU cores
 * @param cpuFeatures SIMD features the CPU kernels use, such as {@code "avx2 fma f16c"}; empty for a GPU
 */
public record Device(String backend, int ordinal, String name, String computeCapability, long totalMemory,
                     long freeMemory, int cores, String cpuFeatures) {}
