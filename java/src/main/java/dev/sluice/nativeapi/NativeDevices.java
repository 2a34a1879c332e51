package dev.sluice.nativeapi;

import dev.sluice.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.IntPointer;

/** Device discovery through the native library: the CPU first, then every usable CUDA device. */
public final class NativeDevices {
    private static final String[] CPU_FEATURES = {"avx2", "fma", "f16c", "avx512f"};

    private NativeDevices() {}

    public static List<Device> list() {
        List<Device> devices = new ArrayList<>();
        try (IntPointer count = new IntPointer(1); SluiceNative.DeviceInfo info = new SluiceNative.DeviceInfo()) {
            NativeStatus.check(SluiceNative.sl_device_count(count));
            for (int i = 0; i < count.get(); i++) {
                NativeStatus.check(SluiceNative.sl_device_get(i, info));
                devices.add(toDevice(info));
            }
        }
        return devices;
    }

    /** The CPU alone (device 0), without initialising CUDA to enumerate the GPUs. */
    public static Device cpu() {
        try (SluiceNative.DeviceInfo info = new SluiceNative.DeviceInfo()) {
            NativeStatus.check(SluiceNative.sl_device_get(0, info));
            return toDevice(info);
        }
    }

    /** Why the CUDA backend cannot run on this machine, or empty when it can. */
    public static Optional<String> cudaUnavailableReason() {
        return Optional.ofNullable(SluiceNative.sl_cuda_unavailable_reason());
    }

    public static String nativeVersion() {
        return SluiceNative.sl_version();
    }

    private static Device toDevice(SluiceNative.DeviceInfo info) {
        boolean cpu = info.backend() == 0;
        String capability = cpu ? "" : info.compute_major() + "." + info.compute_minor();
        return new Device(cpu ? "cpu" : "cuda", info.ordinal(), info.name().getString(), capability,
                info.total_memory(), info.free_memory(), info.cores(), cpu ? features(info.features()) : "");
    }

    private static String features(int bits) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < CPU_FEATURES.length; i++) {
            if ((bits & (1 << i)) != 0) {
                names.add(CPU_FEATURES[i]);
            }
        }
        return String.join(" ", names);
    }
}
