#include "io/nvme/drive.h"

#include <algorithm>
#include <chrono>

#include "core/status.h"

namespace sl::nvme {
namespace {

const sl_nvme_options& checked(const sl_nvme_options& o) {
    if (o.iommu != SL_NVME_IOMMU && o.iommu != SL_NVME_NO_IOMMU)
        raise(SL_ERR_INVALID_ARGUMENT, "iommu must be SL_NVME_IOMMU or SL_NVME_NO_IOMMU, not %d", o.iommu);
    if (o.n_queues < 1 || o.queue_depth < 2 || o.timeout_ms == 0)
        raise(SL_ERR_INVALID_ARGUMENT, "need n_queues >= 1, queue_depth >= 2 and a timeout (got %d, %d, %u ms)", o.n_queues,
              o.queue_depth, o.timeout_ms);
    if (o.iommu == SL_NVME_NO_IOMMU && o.dma_window_bytes == 0)
        raise(SL_ERR_INVALID_ARGUMENT, "no-IOMMU mode needs a DMA window reserved at boot (dma_window_phys/bytes)");
    return o;
}

}  // namespace

Drive::Drive(const std::string& bdf, const sl_nvme_options& options) : options_(checked(options)) {
    const bool no_iommu = options_.iommu == SL_NVME_NO_IOMMU;
    device_ = std::make_unique<VfioDevice>(bdf, no_iommu ? IommuMode::kNoIommu : IommuMode::kIommu);
    dma_ = no_iommu ? make_reserved_window_dma_space(options_.dma_window_phys, options_.dma_window_bytes)
                    : make_iommu_dma_space(device_->container_fd());
    controller_ = std::make_unique<Controller>(*device_, *dma_, options_.namespace_id,
                                               std::chrono::milliseconds(options_.timeout_ms));
    queues_ = controller_->create_io_queues(options_.n_queues, options_.queue_depth);
}

std::unique_ptr<NvmeReader> Drive::make_reader(uint64_t start, uint64_t bytes) {
    ReaderOptions reader_options;
    reader_options.window_start = start;
    reader_options.window_bytes = bytes;
    reader_options.bounce_buffers = options_.bounce_buffers;
    return std::make_unique<NvmeReader>(*controller_, *dma_, queues_, reader_options);
}

ModelHeader Drive::read_header(NvmeReader& reader, uint64_t lba) const {
    const NamespaceIdentity& ns = controller_->ns();
    if (lba >= ns.blocks)
        raise(SL_ERR_INVALID_ARGUMENT, "LBA %llu is past the namespace end (%llu blocks)", static_cast<unsigned long long>(lba),
              static_cast<unsigned long long>(ns.blocks));
    const uint64_t at = lba * ns.block_size;
    alignas(8) uint8_t bytes[kModelHeaderBytes] = {};  // a short last block leaves zeros, which decode refuses
    reader.read(at, std::min<uint64_t>(kModelHeaderBytes, ns.bytes() - at), bytes);
    return decode(bytes);
}

uint64_t Drive::model_start(uint64_t lba, const ModelHeader& header) const {
    const NamespaceIdentity& ns = controller_->ns();
    const uint64_t start = lba * ns.block_size + header.data_offset;
    if (start % ns.block_size != 0 || start > ns.bytes() || header.model_size > ns.bytes() - start)
        raise(SL_ERR_FORMAT, "the model described by the header at LBA %llu does not fit the namespace",
              static_cast<unsigned long long>(lba));
    return start;
}

void Drive::shutdown() { controller_->shutdown(); }

}  // namespace sl::nvme
