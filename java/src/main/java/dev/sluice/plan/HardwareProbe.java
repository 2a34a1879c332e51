package dev.sluice.plan;

import dev.sluice.gguf.GgmlType;
import java.nio.file.Path;
import java.util.Optional;

/** What the tier planner needs to know about the machine (an interface, so tests describe machines). */
public interface HardwareProbe {
    /** The GPU to plan for, or empty when none is usable ({@link #noGpuReason} says why). */
    Optional<Gpu> gpu();

    String noGpuReason();

    /** Bytes of RAM this process may use: MemAvailable, or the cgroup's limit when smaller. */
    long usableRam();

    int cpuCores();

    /** Pinned host memory to the GPU. */
    Bandwidth hostToDevice();

    /** The GPU's own memory bandwidth, which bounds compute on weights in VRAM. */
    Bandwidth deviceMemory();

    /** RAM read by {@code threads} CPU threads. */
    Bandwidth ramRead(int threads);

    /**
     * Weights of {@code type} streamed from RAM by the CPU backend's 8-bit decode kernels on {@code threads}
     * threads: the rate a split layer's CPU share reaches, which may be below {@link #ramRead}.
     */
    Bandwidth cpuMatmul(GgmlType type, int threads);

    /** Sequential reads of the file system that holds {@code file}, bypassing the page cache. */
    Bandwidth storageRead(Path file);
}
