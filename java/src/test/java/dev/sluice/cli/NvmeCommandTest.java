package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.SluiceException;
import dev.sluice.nativeapi.NativeNvme;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmeCommandTest {
    private static final Path MODEL = Golden.file("models/tiny-spm-Q4_0.gguf");

    @Test
    void listSucceedsWithoutControllers() {
        CliRunner r = CliRunner.run("nvme", "list");
        assertEquals(0, r.exitCode(), r.stderr());
    }

    @Test
    void writeNeedsConfirmation() {
        CliRunner r = CliRunner.run("nvme", "write", "--device", "0000:01:00.0", "--file", MODEL.toString());
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("--yes"), r.stderr());
    }

    @Test
    void malformedAddressIsRefused() {
        CliRunner r = CliRunner.run("nvme", "verify", "--device", "../../etc", "--file", MODEL.toString());
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("not a PCI address"), r.stderr());
    }

    @Test
    void verifyOfAnAbsentControllerIsOneErrorLine() {
        CliRunner r = CliRunner.run("nvme", "verify", "--device", "0000:7f:1f.7", "--file", MODEL.toString());
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("0000:7f:1f.7"), r.stderr());
    }

    @Test
    void malformedNoIommuWindowIsRefused() {
        CliRunner r = CliRunner.run("nvme", "verify", "--device", "0000:01:00.0", "--file", MODEL.toString(),
                "--no-iommu", "lots");
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("PHYS:BYTES"), r.stderr());
    }

    @Test
    void writtenImageCarriesTheModelsHeader(@TempDir Path dir) throws IOException {
        Path image = dir.resolve("drive.img");
        try (var file = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.truncate(0).position(8L << 20).write(java.nio.ByteBuffer.wrap(new byte[1]));
        }
        AtomicLong reported = new AtomicLong();
        NativeNvme.ModelHeader written = NativeNvme.writeModel(image, MODEL, 8, reported::set);
        assertEquals(written.modelSize(), reported.get(), "the last progress report is the whole model");
        NativeNvme.ModelHeader expected = NativeNvme.headerForFile(MODEL, 512);
        assertTrue(written.sameModel(expected));
        assertEquals(Files.size(MODEL), written.modelSize());
        byte[] bytes = Files.readAllBytes(image);
        byte[] model = Files.readAllBytes(MODEL);
        int start = 8 * 512 + written.dataOffset();
        assertEquals(-1, java.util.Arrays.mismatch(model, 0, model.length, bytes, start, start + model.length));
        assertTrue(!written.sameModel(NativeNvme.headerForFile(Golden.file("models/tiny-spm-Q8_0.gguf"), 512)));
    }

    @Test
    void mountedDeviceIsRefused(@TempDir Path proc) throws IOException {
        Files.writeString(proc.resolve("mounts"), "/dev/nvme0n1p2 /data ext4 rw 0 0\n");
        Files.writeString(proc.resolve("swaps"), "Filename Type Size Used Priority\n");
        SluiceException e = assertThrows(SluiceException.class,
                () -> NvmeBlockDevice.requireUnused(Path.of("/dev/nvme0n1"), proc));
        assertTrue(e.getMessage().contains("mounted"), e.getMessage());
        NvmeBlockDevice.requireUnused(Path.of("/dev/nvme1n1"), proc);
    }

    @Test
    void namespaceOneIsFoundThroughSysfs(@TempDir Path sysfs) throws IOException {
        Files.createDirectories(sysfs.resolve("bus/pci/devices/0000:01:00.0/nvme/nvme3/nvme3c3n1"));
        assertEquals(Path.of("/dev/nvme3n1"), NvmeBlockDevice.namespaceOne(sysfs, "0000:01:00.0"));
        assertThrows(SluiceException.class, () -> NvmeBlockDevice.namespaceOne(sysfs, "0000:02:00.0"));
    }
}
