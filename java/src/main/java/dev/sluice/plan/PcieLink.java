package dev.sluice.plan;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The PCIe link of the NVIDIA GPU, from sysfs, and the pinned host-to-device rate such a link gives in
 * practice (about 80% of its raw rate per lane): Gen3 x8 ~6.5 GB/s, Gen4 x16 ~25, Gen5 x16 ~55 as measured
 * on the lent H200. The generation is the device's maximum link speed (an idle GPU drops its current one).
 */
record PcieLink(int generation, int width) {
    static final Path PCI_DEVICES = Path.of("/sys/bus/pci/devices");
    /** What a plan assumes when sysfs does not say. */
    static final PcieLink UNKNOWN = new PcieLink(4, 16);
    private static final String NVIDIA = "0x10de";
    private static final String DISPLAY_CLASS = "0x03";
    /** Bytes/s per lane of pinned copies for each generation, 1 to 5. */
    private static final double[] PER_LANE = {0, 0.2e9, 0.4e9, 0.81e9, 1.56e9, 3.44e9};

    static Optional<PcieLink> ofNvidiaGpu(Path pciDevices) {
        try (DirectoryStream<Path> devices = Files.newDirectoryStream(pciDevices)) {
            for (Path device : devices) {
                if (read(device, "vendor").equals(NVIDIA) && read(device, "class").startsWith(DISPLAY_CLASS)) {
                    return Optional.of(new PcieLink(generation(read(device, "max_link_speed")),
                            Integer.parseInt(read(device, "current_link_width"))));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // no sysfs, or a link it does not describe: the plan says the rate is assumed
        }
        return Optional.empty();
    }

    Bandwidth assumedBandwidth() {
        return Bandwidth.assumed(PER_LANE[Math.clamp(generation, 1, PER_LANE.length - 1)] * width);
    }

    /** {@code 16.0 GT/s PCIe} → 4. */
    private static int generation(String speed) {
        double gts = Double.parseDouble(speed.split(" ")[0]);
        return gts >= 32 ? 5 : gts >= 16 ? 4 : gts >= 8 ? 3 : gts >= 5 ? 2 : 1;
    }

    private static String read(Path device, String attribute) throws IOException {
        Path file = device.resolve(attribute);
        return Files.isReadable(file) ? Files.readString(file).strip() : "";
    }
}
