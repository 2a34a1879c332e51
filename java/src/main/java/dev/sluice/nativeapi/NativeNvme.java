package dev.sluice.nativeapi;

import dev.sluice.SluiceException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/** The userspace NVMe driver through the native library: discovery, the on-drive model header, reads. */
public final class NativeNvme {
    private static final int LIST_CAPACITY = 64 * 1024;

    private NativeNvme() {}

    /**
     * The Sluice header that precedes a model on a drive.
     *
     * @param modelSize  bytes of the GGUF file
     * @param prefixSize bytes of GGUF header, metadata and tensor table covered by {@code prefixHash}
     */
    public record ModelHeader(int version, int dataOffset, long modelSize, long prefixSize, long prefixHash) {
        /** Whether both describe the same model (what a run from NVMe insists on). */
        public boolean sameModel(ModelHeader other) {
            return modelSize == other.modelSize && prefixSize == other.prefixSize && prefixHash == other.prefixHash;
        }
    }

    /** What Identify Controller and Identify Namespace report, and the queues Sluice got. */
    public record ControllerInfo(String bdf, int vendorId, String model, String serial, String firmware, int blockSize,
            long blocks, long maxTransferBytes, int queues, int queueDepth, boolean iommu) {
        public long capacityBytes() {
            return blocks * blockSize;
        }
    }

    /** How to reach the drive's memory: through the IOMMU, or (unsafe, on request) a reserved window. */
    public record DmaMode(boolean noIommu, long windowPhys, long windowBytes) {
        public static final DmaMode IOMMU = new DmaMode(false, 0, 0);

        /** The {@code sl_nvme_iommu} value. */
        public int nativeIommu() {
            return noIommu ? SluiceNative.SL_NVME_NO_IOMMU : SluiceNative.SL_NVME_IOMMU;
        }

        /** The no-IOMMU mode with the window {@code PHYS:BYTES} (decimal or 0x hex), as the CLI takes it. */
        public static DmaMode noIommuWindow(String spec) {
            String[] parts = spec.split(":");
            try {
                if (parts.length == 2) {
                    return new DmaMode(true, Long.decode(parts[0]), Long.decode(parts[1]));
                }
            } catch (NumberFormatException e) {
                // reported below with the expected form
            }
            throw new SluiceException("--no-iommu takes PHYS:BYTES, such as 0x30000000:16777216, not '" + spec + "'");
        }
    }

    /** PCI addresses of NVMe controllers bound to vfio-pci. */
    public static List<String> listVfioControllers() {
        byte[] text = new byte[LIST_CAPACITY];
        try (IntPointer count = new IntPointer(1)) {
            NativeStatus.check(SluiceNative.sl_nvme_list(text, text.length, count));
            int end = 0;
            while (end < text.length && text[end] != 0) {
                end++;
            }
            String all = new String(text, 0, end, StandardCharsets.UTF_8);
            return all.isEmpty() ? List.of() : Arrays.asList(all.split("\n"));
        }
    }

    /** The header {@code gguf} gets on a drive of {@code blockSize}-byte blocks. */
    public static ModelHeader headerForFile(Path gguf, int blockSize) {
        try (SluiceNative.NvmeModelHeader header = new SluiceNative.NvmeModelHeader()) {
            NativeStatus.check(SluiceNative.sl_nvme_header_for_file(gguf.toString(), blockSize, header));
            return toRecord(header);
        }
    }

    /**
     * Writes the header and the model at block {@code lba} of a block device (or disk image).
     * {@code progress} receives the model bytes written so far, a few times a second from another thread.
     */
    public static ModelHeader writeModel(Path target, Path gguf, long lba, LongConsumer progress) {
        try (SluiceNative.NvmeModelHeader header = new SluiceNative.NvmeModelHeader()) {
            NativeProgress.polled(progress,
                    done -> SluiceNative.sl_nvme_write_model(target.toString(), gguf.toString(), lba, header, done));
            return toRecord(header);
        }
    }

    /** Brings up the controller at {@code bdf} (bound to vfio-pci); close() shuts it down cleanly. */
    public static Controller open(String bdf, DmaMode dma) {
        try (SluiceNative.NvmeOptions options = new SluiceNative.NvmeOptions()) {
            SluiceNative.sl_nvme_options_init(options);
            options.iommu(dma.nativeIommu()).dma_window_phys(dma.windowPhys()).dma_window_bytes(dma.windowBytes());
            SluiceNative.Nvme handle = new SluiceNative.Nvme();
            NativeStatus.check(SluiceNative.sl_nvme_open(bdf, options, handle));
            return new Controller(handle);
        }
    }

    /** An open controller. Not thread-safe. */
    public static final class Controller implements AutoCloseable {
        private final SluiceNative.Nvme handle;
        private boolean closed;

        private Controller(SluiceNative.Nvme handle) {
            this.handle = handle;
        }

        public ControllerInfo info() {
            try (SluiceNative.NvmeInfo info = new SluiceNative.NvmeInfo()) {
                NativeStatus.check(SluiceNative.sl_nvme_get_info(handle, info));
                return new ControllerInfo(info.bdf().getString(), Short.toUnsignedInt(info.vendor_id()),
                        info.model().getString(), info.serial().getString(), info.firmware().getString(),
                        info.block_size(), info.blocks(), info.max_transfer_bytes(), info.n_queues(), info.queue_depth(),
                        info.iommu() == 0);
            }
        }

        public ModelHeader readHeader(long lba) {
            try (SluiceNative.NvmeModelHeader header = new SluiceNative.NvmeModelHeader()) {
                NativeStatus.check(SluiceNative.sl_nvme_read_header(handle, lba, header));
                return toRecord(header);
            }
        }

        /** Checks the drive holds {@code gguf} at {@code lba}; from then on reads are model bytes. */
        public void attachModel(long lba, Path gguf) {
            int blockSize = info().blockSize();
            try (SluiceNative.NvmeModelHeader expected = new SluiceNative.NvmeModelHeader()) {
                NativeStatus.check(SluiceNative.sl_nvme_header_for_file(gguf.toString(), blockSize, expected));
                NativeStatus.check(SluiceNative.sl_nvme_attach_model(handle, lba, expected));
            }
        }

        /** Reads {@code length} bytes at {@code offset} into {@code dst} (at least that large). */
        public void read(long offset, long length, BytePointer dst) {
            if (dst.capacity() < length) {
                throw new IllegalArgumentException("buffer of " + dst.capacity() + " bytes cannot hold " + length);
            }
            NativeStatus.check(SluiceNative.sl_nvme_read(handle, offset, length, dst));
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                NativeStatus.check(SluiceNative.sl_nvme_close(handle));
            }
        }
    }

    private static ModelHeader toRecord(SluiceNative.NvmeModelHeader h) {
        return new ModelHeader(h.version(), h.data_offset(), h.model_size(), h.prefix_size(), h.prefix_hash());
    }
}
