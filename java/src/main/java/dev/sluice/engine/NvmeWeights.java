package dev.sluice.engine;

import dev.sluice.SluiceException;
import dev.sluice.nativeapi.NativeNvme;

/**
 * Weights read from a dedicated NVMe drive through the userspace driver instead of the mapped file: the
 * controller at {@code device}, bound to vfio-pci, holds the model behind a Sluice header at block {@code lba}
 * (as {@code sluice nvme write} puts it there). The local file still supplies metadata and the tensor table.
 *
 * @param device the controller's PCI address
 * @param lba    the block of the drive's Sluice header
 * @param dma    how the drive reaches memory: the IOMMU, or (unsafe, on request) a window reserved at boot
 */
public record NvmeWeights(PciAddress device, long lba, NativeNvme.DmaMode dma) {
    private static final String PREFIX = "nvme:";
    private static final String FORM = "nvme:BDF[@LBA], such as nvme:0000:01:00.0@2048";

    public NvmeWeights {
        if (device == null || dma == null) {
            throw new IllegalArgumentException("device and dma must not be null");
        }
        if (lba < 0) {
            throw new IllegalArgumentException("lba must be >= 0, got " + lba);
        }
    }

    /** Through the IOMMU. */
    public NvmeWeights(PciAddress device, long lba) {
        this(device, lba, NativeNvme.DmaMode.IOMMU);
    }

    public NvmeWeights withDma(NativeNvme.DmaMode mode) {
        return new NvmeWeights(device, lba, mode);
    }

    /** Parses {@code nvme:BDF[@LBA]} (LBA in decimal or 0x hex, 0 when left out); a bad spec says what is wrong. */
    public static NvmeWeights parse(String spec) {
        if (!spec.startsWith(PREFIX)) {
            throw new SluiceException("weight source '" + spec + "' is not " + FORM);
        }
        String rest = spec.substring(PREFIX.length());
        int at = rest.indexOf('@');
        PciAddress device = PciAddress.parse(at < 0 ? rest : rest.substring(0, at));
        return new NvmeWeights(device, at < 0 ? 0 : lba(spec, rest.substring(at + 1)));
    }

    private static long lba(String spec, String text) {
        try {
            long lba = Long.decode(text);
            if (lba >= 0) {
                return lba;
            }
        } catch (NumberFormatException e) {
            // reported below with the expected form
        }
        throw new SluiceException("LBA '" + text + "' in '" + spec + "' is not a block number; expected " + FORM);
    }
}
