package dev.sluice.plan;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.Optional;
import java.util.OptionalInt;

/** Mocked machines for the planner: the numbers a probe would report, all of them "measured". */
public final class Machines {
    public static final long GIB = 1L << 30;

    private Machines() {}

    /** A GPU with {@code freeVram} of {@code vram} free at the given PCIe rate. Rates in GB/s. */
    public static HardwareProbe gpu(String name, long vram, long freeVram, int pcieGen, int pcieWidth, double pcieGbs,
                                    double deviceGbs, long usableRam, int cores, double ramGbs, double storageGbs) {
        HardwareProbe p = host(usableRam, cores, ramGbs, storageGbs);
        when(p.gpu()).thenReturn(Optional.of(new Gpu(name, freeVram, vram, OptionalInt.of(pcieGen),
                OptionalInt.of(pcieWidth))));
        when(p.hostToDevice()).thenReturn(Bandwidth.measured(pcieGbs * 1e9));
        when(p.deviceMemory()).thenReturn(Bandwidth.measured(deviceGbs * 1e9));
        return p;
    }

    public static HardwareProbe cpuOnly(long usableRam, int cores, double ramGbs, double storageGbs) {
        HardwareProbe p = host(usableRam, cores, ramGbs, storageGbs);
        when(p.gpu()).thenReturn(Optional.empty());
        when(p.noGpuReason()).thenReturn("no NVIDIA driver (libcuda.so.1 not found)");
        return p;
    }

    private static HardwareProbe host(long usableRam, int cores, double ramGbs, double storageGbs) {
        HardwareProbe p = mock(HardwareProbe.class);
        when(p.usableRam()).thenReturn(usableRam);
        when(p.cpuCores()).thenReturn(cores);
        when(p.ramRead(anyInt())).thenReturn(Bandwidth.measured(ramGbs * 1e9));
        when(p.cpuMatmul(any(), anyInt())).thenReturn(Bandwidth.measured(ramGbs * 1e9));
        when(p.storageRead(any())).thenReturn(Bandwidth.measured(storageGbs * 1e9));
        return p;
    }
}
