package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Golden;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --weights-from nvme:BDF[@LBA]} on a machine whose drives are not bound to vfio-pci. */
class WeightsFromTest {
    private static final Path MODEL = Golden.file("models/tiny-spm-Q4_0.gguf");

    private static CliRunner logits(Path dir, String weightsFrom) {
        return CliRunner.run("logits", "-m", MODEL.toString(), "--backend", "cpu", "--tokens", "1,450,439",
                "-o", dir.resolve("out.npy").toString(), "--weights-from", weightsFrom);
    }

    @Test
    void absentControllerIsOneErrorLine(@TempDir Path dir) {
        CliRunner r = logits(dir, "nvme:0000:99:00.0@2048");
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("no PCI device 0000:99:00.0"), r.stderr());
    }

    @Test
    void badSpecIsAUsageError(@TempDir Path dir) {
        CliRunner r = logits(dir, "nvme:0000:01:00.0@lots");
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertEquals(ErrorReporter.EXIT_USAGE, r.exitCode());
        assertTrue(r.stderr().contains("LBA 'lots'"), r.stderr());
    }

    @Test
    void otherSourcesAreRefused(@TempDir Path dir) {
        CliRunner r = logits(dir, "/dev/nvme0n1");
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("nvme:BDF[@LBA]"), r.stderr());
    }

    @Test
    void noIommuNeedsADriveAndAWindow(@TempDir Path dir) {
        String out = dir.resolve("out.npy").toString();
        CliRunner alone = CliRunner.run("logits", "-m", MODEL.toString(), "--tokens", "1", "-o", out,
                "--no-iommu", "0x30000000:16777216");
        assertTrue(alone.isOneErrorLine(), alone.stderr());
        assertTrue(alone.stderr().contains("--weights-from"), alone.stderr());
        CliRunner badWindow = CliRunner.run("logits", "-m", MODEL.toString(), "--tokens", "1", "-o", out,
                "--weights-from", "nvme:0000:99:00.0", "--no-iommu", "lots");
        assertTrue(badWindow.isOneErrorLine(), badWindow.stderr());
        assertTrue(badWindow.stderr().contains("PHYS:BYTES"), badWindow.stderr());
    }
}
