package dev.sluice.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** RAM this process may use: the kernel's MemAvailable, or the cgroup v2 limit when that is smaller. */
final class UsableRam {
    static final Path MEMINFO = Path.of("/proc/meminfo");
    static final Path CGROUP_LIMIT = Path.of("/sys/fs/cgroup/memory.max");

    private UsableRam() {}

    static long read(Path meminfo, Path cgroupLimit) throws IOException {
        long available = memAvailable(Files.readAllLines(meminfo));
        return Math.min(available, limit(cgroupLimit).orElse(Long.MAX_VALUE));
    }

    /** {@code MemAvailable:   123456 kB}. */
    private static long memAvailable(Iterable<String> lines) throws IOException {
        for (String line : lines) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no MemAvailable line in /proc/meminfo");
    }

    /** A byte count, or {@code max} (no limit); absent outside a cgroup v2 hierarchy. */
    private static OptionalLong limit(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            return OptionalLong.empty();
        }
        String value = Files.readString(file).strip();
        return value.equals("max") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value));
    }
}
