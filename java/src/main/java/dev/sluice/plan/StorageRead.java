package dev.sluice.plan;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalDouble;

/**
 * Sequential read rate of a file's storage with O_DIRECT (the page cache would report RAM speed): large
 * aligned reads from the middle of the file for up to a second. Files too small to measure, and file
 * systems without O_DIRECT (tmpfs), give nothing.
 */
final class StorageRead {
    static final long MIN_FILE_BYTES = 512L << 20;
    private static final int BLOCK = 8 << 20;
    private static final int ALIGNMENT = 4096;
    private static final long MAX_BYTES = 1L << 30;
    private static final long MAX_NANOS = 1_000_000_000L;

    private StorageRead() {}

    static OptionalDouble measure(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
            long size = Files.size(file);
            if (size < MIN_FILE_BYTES) {
                return OptionalDouble.empty();
            }
            ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK + ALIGNMENT).alignedSlice(ALIGNMENT);
            long offset = (size / 4) & -ALIGNMENT;
            long end = Math.min(size - BLOCK, offset + MAX_BYTES);
            long read = 0;
            long start = System.nanoTime();
            while (offset + read < end && System.nanoTime() - start < MAX_NANOS) {
                buffer.clear();
                int n = channel.read(buffer, offset + read);
                if (n <= 0) {
                    break;
                }
                read += n;
            }
            long nanos = System.nanoTime() - start;
            return read > 0 && nanos > 0 ? OptionalDouble.of(read * 1e9 / nanos) : OptionalDouble.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return OptionalDouble.empty();
        }
    }
}
