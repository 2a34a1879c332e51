package dev.sluice.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real probe's sources, on files shaped as /proc, cgroup v2 and sysfs write them. */
class MachineFilesTest {
    @TempDir
    Path dir;

    @Test
    void usableRamIsMemAvailableOrTheCgroupLimitWhenSmaller() throws IOException {
        Path meminfo = Files.writeString(dir.resolve("meminfo"),
                "MemTotal:       65536000 kB\nMemFree:         1000000 kB\nMemAvailable:   50000000 kB\n");
        Path limit = dir.resolve("memory.max");
        assertEquals(50_000_000L * 1024, UsableRam.read(meminfo, limit), "no cgroup file");
        Files.writeString(limit, "max\n");
        assertEquals(50_000_000L * 1024, UsableRam.read(meminfo, limit));
        Files.writeString(limit, "17179869184\n");
        assertEquals(16L << 30, UsableRam.read(meminfo, limit));
    }

    @Test
    void thePcieLinkOfTheNvidiaGpuGivesTheAssumedCopyRate() throws IOException {
        device("0000:00:02.0", "0x8086", "0x030000", "8.0 GT/s PCIe", "16"); // an Intel iGPU comes first
        device("0000:01:00.0", "0x10de", "0x030200", "16.0 GT/s PCIe", "16");
        PcieLink link = PcieLink.ofNvidiaGpu(dir).orElseThrow();
        assertEquals(new PcieLink(4, 16), link);
        assertEquals(25, link.assumedBandwidth().gbPerSecond(), 0.1);
        assertTrue(link.assumedBandwidth().assumed());
        assertEquals(6.5, new PcieLink(3, 8).assumedBandwidth().gbPerSecond(), 0.1);
        assertEquals(55, new PcieLink(5, 16).assumedBandwidth().gbPerSecond(), 0.1);
        assertTrue(PcieLink.ofNvidiaGpu(dir.resolve("absent")).isEmpty());
    }

    @Test
    void aBandwidthIsMeasuredOnceAndAFailedMeasurementIsAssumed() {
        BandwidthCache cache = new BandwidthCache(dir.resolve("cache/bandwidth-host.json"));
        AtomicInteger measured = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            Bandwidth b = new BandwidthCache(dir.resolve("cache/bandwidth-host.json"))
                    .get("ram_read:4_threads", () -> OptionalDouble.of(20e9 + measured.incrementAndGet()), 1e9);
            assertEquals(20e9 + 1, b.bytesPerSecond());
            assertFalse(b.assumed());
        }
        assertEquals(1, measured.get());
        Bandwidth none = cache.get("storage_read:tmpfs", OptionalDouble::empty, 1.6e9);
        assertEquals(1.6e9, none.bytesPerSecond());
        assertTrue(none.assumed());
    }

    private void device(String bdf, String vendor, String pciClass, String speed, String width) throws IOException {
        Path d = Files.createDirectories(dir.resolve(bdf));
        Files.writeString(d.resolve("vendor"), vendor + "\n");
        Files.writeString(d.resolve("class"), pciClass + "\n");
        Files.writeString(d.resolve("max_link_speed"), speed + "\n");
        Files.writeString(d.resolve("current_link_width"), width + "\n");
    }
}
