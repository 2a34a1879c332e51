package dev.sluice.cli;

import dev.sluice.SluiceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The kernel's block device for an NVMe controller, found through sysfs, and proof it is not in use. */
final class NvmeBlockDevice {
    // nvme0n1, or the multipath path name nvme0c0n1 of the same namespace.
    private static final Pattern NAMESPACE_1 = Pattern.compile("(nvme\\d+)(c\\d+)?n1");

    private NvmeBlockDevice() {}

    /** /dev/nvmeXn1 of the controller at {@code bdf}, which must still be on the kernel's nvme driver. */
    static Path namespaceOne(Path sysfs, String bdf) throws IOException {
        Path controllers = sysfs.resolve("bus/pci/devices").resolve(bdf).resolve("nvme");
        if (!Files.isDirectory(controllers)) {
            throw new SluiceException(bdf + " has no kernel nvme block device; write before binding it to vfio-pci"
                    + " (or run scripts/restore_nvme.sh " + bdf + " first)");
        }
        try (Stream<Path> entries = Files.walk(controllers, 2)) {
            return entries.map(p -> NAMESPACE_1.matcher(p.getFileName().toString()))
                    .filter(java.util.regex.Matcher::matches)
                    .map(m -> Path.of("/dev", m.group(1) + "n1"))
                    .findFirst()
                    .orElseThrow(() -> new SluiceException(bdf + " has no namespace 1"));
        }
    }

    /** Refuses a device (or one of its partitions) that is mounted or used as swap. */
    static void requireUnused(Path device, Path proc) throws IOException {
        String name = device.toString();
        for (String table : List.of("mounts", "swaps")) {
            for (String line : Files.readAllLines(proc.resolve(table))) {
                String first = line.split("\\s+", 2)[0];
                if (first.equals(name) || first.startsWith(name + "p")) {
                    throw new SluiceException(first + (table.equals("mounts") ? " is mounted" : " is in use as swap")
                            + "; refusing to overwrite it");
                }
            }
        }
    }
}
