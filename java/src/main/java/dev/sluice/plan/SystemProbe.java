package dev.sluice.plan;

import dev.sluice.CacheDir;
import dev.sluice.Device;
import dev.sluice.gguf.GgmlType;
import dev.sluice.nativeapi.NativeDevices;
import dev.sluice.nativeapi.NativeStatus;
import dev.sluice.nativeapi.SluiceNative;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * This machine, as the native library, /proc and sysfs describe it. RAM, VRAM and host-to-device bandwidths and
 * the CPU kernels' rates are measured natively and storage reads with O_DIRECT, each once per machine
 * ({@code bandwidth-HOST.json} in the {@link CacheDir}). Without a GPU the host-to-device rate is assumed from
 * the PCIe link, and the storage rate where it cannot be measured.
 */
public final class SystemProbe implements HardwareProbe {
    /** Storage rate without a measurement: an NVMe drive read with O_DIRECT, as on the lent machines. */
    static final double ASSUMED_STORAGE_BYTES_PER_S = 1.6e9;
    /** Well past the last-level cache (300 MiB on the lent H200 hosts), so the probes measure RAM. */
    private static final long HOST_PROBE_BYTES = 1L << 30;
    private static final long DEVICE_PROBE_BYTES = 1L << 30;
    private static final long HOST_TO_DEVICE_PROBE_BYTES = 512L << 20;
    private static final long CPU_MATMUL_PROBE_BYTES = 2L << 30;

    private final BandwidthCache cache = new BandwidthCache(CacheDir.path().resolve("bandwidth-" + hostName() + ".json"));
    private List<Device> devices;

    @Override
    public Optional<Gpu> gpu() {
        Optional<PcieLink> link = PcieLink.ofNvidiaGpu(PcieLink.PCI_DEVICES);
        return cuda().map(d -> new Gpu(d.name(), d.freeMemory(), d.totalMemory(),
                link.map(l -> OptionalInt.of(l.generation())).orElse(OptionalInt.empty()),
                link.map(l -> OptionalInt.of(l.width())).orElse(OptionalInt.empty())));
    }

    @Override
    public String noGpuReason() {
        return NativeDevices.cudaUnavailableReason().orElse("no CUDA device found");
    }

    @Override
    public long usableRam() {
        try {
            return UsableRam.read(UsableRam.MEMINFO, UsableRam.CGROUP_LIMIT);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the available RAM: " + e.getMessage(), e);
        }
    }

    @Override
    public int cpuCores() {
        return NativeDevices.cpu().cores();
    }

    /** Measured with pinned copies when there is a GPU (cached per GPU); else what its PCIe link should carry. */
    @Override
    public Bandwidth hostToDevice() {
        Bandwidth assumed = PcieLink.ofNvidiaGpu(PcieLink.PCI_DEVICES).orElse(PcieLink.UNKNOWN).assumedBandwidth();
        Optional<Device> gpu = cuda();
        if (gpu.isEmpty()) {
            return assumed;
        }
        return cache.get("host_to_device:" + gpu.get().name(), () -> {
            double[] bps = new double[1];
            NativeStatus.check(SluiceNative.sl_measure_host_to_device_bandwidth(0, HOST_TO_DEVICE_PROBE_BYTES, bps));
            return OptionalDouble.of(bps[0]);
        }, assumed.bytesPerSecond());
    }

    @Override
    public Bandwidth deviceMemory() {
        String name = cuda().map(Device::name).orElse("none");
        return cache.get("device_memory:" + name, () -> {
            double[] bps = new double[1];
            NativeStatus.check(SluiceNative.sl_measure_device_bandwidth(0, DEVICE_PROBE_BYTES, bps));
            return OptionalDouble.of(bps[0]);
        }, 0);
    }

    @Override
    public Bandwidth ramRead(int threads) {
        return cache.get("ram_read:" + threads + "_threads", () -> {
            double[] bps = new double[1];
            NativeStatus.check(SluiceNative.sl_measure_host_bandwidth(HOST_PROBE_BYTES, threads, bps));
            return OptionalDouble.of(bps[0]);
        }, 0);
    }

    /** F32 has no 8-bit kernel: its float dot products are taken to run at the read rate. */
    @Override
    public Bandwidth cpuMatmul(GgmlType type, int threads) {
        if (type == GgmlType.F32) {
            return ramRead(threads);
        }
        return cache.get("cpu_matmul:" + type + ":" + threads + "_threads", () -> {
            double[] bps = new double[1];
            NativeStatus.check(SluiceNative.sl_measure_cpu_matmul_bandwidth(type.id(), CPU_MATMUL_PROBE_BYTES, threads,
                    bps));
            return OptionalDouble.of(bps[0]);
        }, 0);
    }

    @Override
    public Bandwidth storageRead(Path file) {
        String store;
        try {
            store = Files.getFileStore(file).name();
        } catch (IOException e) {
            return Bandwidth.assumed(ASSUMED_STORAGE_BYTES_PER_S);
        }
        return cache.get("storage_read:" + store, () -> StorageRead.measure(file), ASSUMED_STORAGE_BYTES_PER_S);
    }

    private Optional<Device> cuda() {
        if (devices == null) {
            devices = NativeDevices.list();
        }
        return devices.stream().filter(d -> d.backend().equals("cuda")).findFirst();
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip().replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (IOException e) {
            return "localhost";
        }
    }
}
