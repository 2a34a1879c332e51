package dev.sluice.cli;

import dev.sluice.SluiceException;
import dev.sluice.engine.PciAddress;
import dev.sluice.nativeapi.NativeNvme;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.BytePointer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice nvme list|write|verify}: preparing a dedicated drive for the userspace NVMe driver. */
@Command(name = "nvme", mixinStandardHelpOptions = true,
        description = "Prepare and check a dedicated NVMe drive for streaming weights without the kernel.",
        subcommands = {
            NvmeCommand.ListCommand.class, NvmeCommand.WriteCommand.class, NvmeCommand.VerifyCommand.class
        })
final class NvmeCommand {
    private static final Path SYSFS = Path.of("/sys");
    private static final Path PROC = Path.of("/proc");
    private static final int VERIFY_CHUNK = 16 << 20;

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List NVMe controllers bound to vfio-pci (see scripts/setup_nvme.sh).")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<String> found = NativeNvme.listVfioControllers();
            found.forEach(out::println);
            if (found.isEmpty()) {
                err.println("no NVMe controller is bound to vfio-pci");
            }
            return 0;
        }
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = "Write a model and its Sluice header to a drive, through the kernel driver (before binding"
                    + " it to vfio-pci). Overwrites what the drive holds at that place.")
    static final class WriteCommand implements Callable<Integer> {
        @Mixin
        Placement model;

        @Option(names = "--yes", description = "confirm that the drive's data at that place may be overwritten")
        boolean yes;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String bdf = PciAddress.parse(model.device).value();
            if (!yes) {
                throw new SluiceException("writing overwrites data on " + bdf + "; pass --yes to confirm");
            }
            Path block = NvmeBlockDevice.namespaceOne(SYSFS, bdf);
            NvmeBlockDevice.requireUnused(block, PROC);
            NativeNvme.ModelHeader header;
            try (Progress progress = Progress.start("nvme write", Files.size(model.file), " MiB", 1 << 20, err)) {
                header = NativeNvme.writeModel(block, model.file, model.lba, progress::stepTo);
            }
            out.printf("wrote %s (%s) to %s at LBA %d, header hash %016x%n", model.file, Sizes.human(header.modelSize()),
                    block, model.lba, header.prefixHash());
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check through the userspace driver that a drive holds the given model.")
    static final class VerifyCommand implements Callable<Integer> {
        @Mixin
        Placement model;

        @Option(names = "--full", description = "also compare every byte of the model (reads it all)")
        boolean full;

        @Option(names = "--no-iommu", paramLabel = "PHYS:BYTES",
                description = "UNSAFE: vfio no-IOMMU mode, DMA into this physical window reserved with memmap=")
        String noIommuWindow;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            String bdf = PciAddress.parse(model.device).value();
            try (NativeNvme.Controller nvme = NativeNvme.open(bdf, dmaMode())) {
                NativeNvme.ControllerInfo info = nvme.info();
                out.printf("%s: %s (serial %s, firmware %s), %s in %d-byte blocks, %d queues x %d%s%n", bdf,
                        info.model(), info.serial(), info.firmware(), Sizes.human(info.capacityBytes()),
                        info.blockSize(), info.queues(), info.queueDepth(), info.iommu() ? "" : ", NO IOMMU");
                nvme.attachModel(model.lba, model.file);
                out.println("header matches " + model.file);
                if (full) {
                    compareAll(nvme);
                    out.println("all " + Sizes.human(Files.size(model.file)) + " match");
                }
            }
            return 0;
        }

        private NativeNvme.DmaMode dmaMode() {
            return noIommuWindow == null ? NativeNvme.DmaMode.IOMMU : NativeNvme.DmaMode.noIommuWindow(noIommuWindow);
        }

        private void compareAll(NativeNvme.Controller nvme) throws IOException {
            long size = Files.size(model.file);
            byte[] expected = new byte[VERIFY_CHUNK];
            byte[] actual = new byte[VERIFY_CHUNK];
            try (InputStream in = Files.newInputStream(model.file); BytePointer buffer = new BytePointer(VERIFY_CHUNK)) {
                for (long at = 0; at < size; at += VERIFY_CHUNK) {
                    int n = (int) Math.min(VERIFY_CHUNK, size - at);
                    if (in.readNBytes(expected, 0, n) != n) {
                        throw new SluiceException(model.file + " changed while being verified");
                    }
                    nvme.read(at, n, buffer);
                    buffer.position(0).get(actual, 0, n);
                    if (Arrays.mismatch(expected, 0, n, actual, 0, n) >= 0) {
                        throw new SluiceException("the drive differs from " + model.file + " in the 16 MiB at byte " + at);
                    }
                }
            }
        }
    }

    /** Where a model sits: the drive, the local GGUF file it holds, and its first block. */
    static final class Placement {
        @Option(names = "--device", required = true, paramLabel = "BDF", description = "the controller's PCI address")
        String device;

        @Option(names = "--file", required = true, paramLabel = "MODEL", description = "GGUF model file")
        Path file;

        @Option(names = "--lba", paramLabel = "N", defaultValue = "0", description = "first block (default: 0)")
        long lba;
    }
}
