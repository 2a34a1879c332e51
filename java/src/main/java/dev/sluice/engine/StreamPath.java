package dev.sluice.engine;

import java.util.Locale;

/** How layers of the storage tier travel from the drive to pinned staging ({@code sl_stream_path}). */
public enum StreamPath {
    /** io_uring where the kernel allows it, else pread with O_DIRECT. */
    AUTO(0),
    /** Copied out of the file's mapping (the page cache): the baseline. */
    MMAP(1),
    /** pread with O_DIRECT into aligned pinned staging, several threads. */
    PREAD(2),
    /** io_uring with registered buffers and a deep queue. */
    URING(3),
    /** The userspace NVMe driver; needs the weights on an NVMe drive ({@code --weights-from}). */
    NVME(4);

    private final int nativeId;

    StreamPath(int nativeId) {
        this.nativeId = nativeId;
    }

    int nativeId() {
        return nativeId;
    }

    /** The name the CLI takes: {@code auto}, {@code mmap}, {@code pread}, {@code uring} or {@code nvme}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
