// The C ABI of the userspace NVMe driver: an sl_nvme handle owns the VFIO device, its DMA space,
// the controller and one reader over all I/O queues.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/nvme/controller.h"
#include "io/nvme/discovery.h"
#include "io/nvme/image_writer.h"
#include "io/nvme/model_header.h"
#include "io/nvme/nvme_reader.h"
#include "io/nvme/vfio.h"
#include "sluice/sluice.h"

using namespace sl::nvme;

struct sl_nvme {
    // Declaration order is teardown order reversed: the reader goes before the controller shuts
    // down, and the DMA space outlives both.
    std::unique_ptr<VfioDevice> device;
    std::unique_ptr<DmaSpace> dma;
    std::unique_ptr<Controller> controller;
    std::vector<QueuePair*> queues;
    std::unique_ptr<NvmeReader> reader;
    std::vector<std::pair<void*, uint64_t>> registered;  // carried over when attaching swaps readers
    sl_nvme_options options{};
    bool model_attached = false;
};

namespace {

template <size_t N>
void copy_text(char (&out)[N], const std::string& text) {
    std::snprintf(out, N, "%s", text.c_str());
}

sl_nvme_model_header to_abi(const ModelHeader& h) {
    return {h.version, h.data_offset, h.model_size, h.prefix_size, h.prefix_hash};
}

ModelHeader from_abi(const sl_nvme_model_header& h) {
    return {h.version, h.data_offset, h.model_size, h.prefix_size, h.prefix_hash};
}

void require(const void* pointer, const char* what) {
    if (!pointer) sl::raise(SL_ERR_INVALID_ARGUMENT, "%s must not be NULL", what);
}

void make_reader(sl_nvme& nvme, uint64_t window_start, uint64_t window_bytes) {
    nvme.reader.reset();
    ReaderOptions options;
    options.window_start = window_start;
    options.window_bytes = window_bytes;
    options.bounce_buffers = nvme.options.bounce_buffers;
    nvme.reader = std::make_unique<NvmeReader>(*nvme.controller, *nvme.dma, nvme.queues, options);
    for (auto& [base, bytes] : nvme.registered) nvme.reader->register_buffer(base, bytes);
}

ModelHeader read_header_at(sl_nvme& nvme, uint64_t lba) {
    if (nvme.model_attached) sl::raise(SL_ERR_INVALID_ARGUMENT, "a model is attached; read headers before attaching one");
    uint64_t block = nvme.controller->ns().block_size;
    if (lba >= nvme.controller->ns().blocks)
        sl::raise(SL_ERR_INVALID_ARGUMENT, "LBA %llu is past the namespace end (%llu blocks)", static_cast<unsigned long long>(lba),
                  static_cast<unsigned long long>(nvme.controller->ns().blocks));
    alignas(8) uint8_t bytes[kModelHeaderBytes] = {};  // a short last block leaves zeros, which decode refuses
    nvme.reader->read(lba * block, std::min<uint64_t>(kModelHeaderBytes, nvme.controller->ns().bytes() - lba * block), bytes);
    return decode(bytes);
}

}  // namespace

extern "C" {

void sl_nvme_options_init(sl_nvme_options* options) {
    if (!options) return;
    *options = {};
    options->iommu = SL_NVME_IOMMU;
    options->n_queues = 4;
    options->queue_depth = 128;
    options->namespace_id = 1;
    options->timeout_ms = 5000;
    options->bounce_buffers = 8;
}

sl_status sl_nvme_list(char* out, uint64_t capacity, int32_t* count) {
    return sl::guarded([&] {
        require(count, "count");
        std::string text;
        auto found = list_vfio_controllers();
        for (auto& bdf : found) text += bdf + "\n";
        if (out && capacity > 0) std::snprintf(out, capacity, "%s", text.c_str());
        if (out && text.size() >= capacity)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "the list needs %zu bytes, the buffer holds %llu", text.size() + 1,
                            static_cast<unsigned long long>(capacity));
        *count = static_cast<int32_t>(found.size());
        return SL_OK;
    });
}

sl_status sl_nvme_header_for_file(const char* gguf_path, uint32_t block_size, sl_nvme_model_header* header) {
    return sl::guarded([&] {
        require(gguf_path, "gguf_path");
        require(header, "header");
        if (block_size < 512 || (block_size & (block_size - 1)) != 0)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "block size %u is not a power of two of at least 512", block_size);
        *header = to_abi(header_for_file(gguf_path, block_size));
        return SL_OK;
    });
}

sl_status sl_nvme_write_model(const char* target, const char* gguf_path, uint64_t lba, sl_nvme_model_header* written) {
    return sl::guarded([&] {
        require(target, "target");
        require(gguf_path, "gguf_path");
        ModelHeader header = write_model(target, gguf_path, lba);
        if (written) *written = to_abi(header);
        return SL_OK;
    });
}

sl_status sl_nvme_open(const char* bdf, const sl_nvme_options* options, sl_nvme** nvme) {
    return sl::guarded([&] {
        require(bdf, "bdf");
        require(nvme, "nvme");
        *nvme = nullptr;
        auto handle = std::make_unique<sl_nvme>();
        sl_nvme_options_init(&handle->options);
        if (options) handle->options = *options;
        const sl_nvme_options& o = handle->options;
        if (o.iommu != SL_NVME_IOMMU && o.iommu != SL_NVME_NO_IOMMU)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "iommu must be SL_NVME_IOMMU or SL_NVME_NO_IOMMU, not %d", o.iommu);
        if (o.n_queues < 1 || o.queue_depth < 2 || o.timeout_ms == 0)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "need n_queues >= 1, queue_depth >= 2 and a timeout (got %d, %d, %u ms)",
                            o.n_queues, o.queue_depth, o.timeout_ms);
        bool no_iommu = o.iommu == SL_NVME_NO_IOMMU;
        if (no_iommu && o.dma_window_bytes == 0)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "no-IOMMU mode needs a DMA window reserved at boot (dma_window_phys/bytes)");
        handle->device = std::make_unique<VfioDevice>(bdf, no_iommu ? IommuMode::kNoIommu : IommuMode::kIommu);
        handle->dma = no_iommu ? make_reserved_window_dma_space(o.dma_window_phys, o.dma_window_bytes)
                               : make_iommu_dma_space(handle->device->container_fd());
        handle->controller = std::make_unique<Controller>(*handle->device, *handle->dma, o.namespace_id,
                                                          std::chrono::milliseconds(o.timeout_ms));
        handle->queues = handle->controller->create_io_queues(o.n_queues, o.queue_depth);
        make_reader(*handle, 0, 0);
        *nvme = handle.release();
        return SL_OK;
    });
}

sl_status sl_nvme_get_info(const sl_nvme* nvme, sl_nvme_info* info) {
    return sl::guarded([&] {
        require(nvme, "nvme");
        require(info, "info");
        *info = {};
        const auto& id = nvme->controller->identity();
        const auto& ns = nvme->controller->ns();
        copy_text(info->bdf, nvme->device->bdf());
        info->vendor_id = id.vendor_id;
        info->subsystem_vendor_id = id.subsystem_vendor_id;
        info->version = nvme->controller->version();
        copy_text(info->serial, id.serial);
        copy_text(info->model, id.model);
        copy_text(info->firmware, id.firmware);
        info->namespace_id = ns.id;
        info->block_size = ns.block_size;
        info->metadata_size = ns.metadata_size;
        info->blocks = ns.blocks;
        info->max_transfer_bytes = id.max_transfer_bytes;
        info->transfer_bytes = nvme->reader->transfer_size();
        info->n_queues = static_cast<int32_t>(nvme->queues.size());
        info->queue_depth = nvme->queues.front()->depth();
        info->iommu = nvme->device->mode() == IommuMode::kIommu ? SL_NVME_IOMMU : SL_NVME_NO_IOMMU;
        info->readable_bytes = nvme->reader->size();
        return SL_OK;
    });
}

sl_status sl_nvme_read_header(sl_nvme* nvme, uint64_t lba, sl_nvme_model_header* header) {
    return sl::guarded([&] {
        require(nvme, "nvme");
        require(header, "header");
        *header = to_abi(read_header_at(*nvme, lba));
        return SL_OK;
    });
}

sl_status sl_nvme_attach_model(sl_nvme* nvme, uint64_t lba, const sl_nvme_model_header* expected) {
    return sl::guarded([&] {
        require(nvme, "nvme");
        require(expected, "expected");
        ModelHeader on_drive = read_header_at(*nvme, lba);
        require_same_model(on_drive, from_abi(*expected));
        uint64_t start = lba * nvme->controller->ns().block_size + on_drive.data_offset;
        if (start % nvme->controller->ns().block_size != 0 || start > nvme->controller->ns().bytes() ||
            on_drive.model_size > nvme->controller->ns().bytes() - start)
            return sl::fail(SL_ERR_FORMAT, "the model described by the header at LBA %llu does not fit the namespace",
                            static_cast<unsigned long long>(lba));
        make_reader(*nvme, start, on_drive.model_size);
        nvme->model_attached = true;
        return SL_OK;
    });
}

sl_status sl_nvme_register_buffer(sl_nvme* nvme, void* base, uint64_t bytes) {
    return sl::guarded([&] {
        require(nvme, "nvme");
        nvme->reader->register_buffer(base, bytes);
        nvme->registered.emplace_back(base, bytes);
        return SL_OK;
    });
}

sl_status sl_nvme_unregister_buffer(sl_nvme* nvme, void* base) {
    return sl::guarded([&] {
        require(nvme, "nvme");
        nvme->reader->unregister_buffer(base);
        std::erase_if(nvme->registered, [&](const auto& r) { return r.first == base; });
        return SL_OK;
    });
}

sl_status sl_nvme_read(sl_nvme* nvme, uint64_t offset, uint64_t length, void* dst) {
    return sl::guarded([&] {
        require(nvme, "nvme");
        nvme->reader->read(offset, length, dst);
        return SL_OK;
    });
}

sl_status sl_nvme_close(sl_nvme* nvme) {
    return sl::guarded([&] {
        if (!nvme) return SL_OK;
        std::unique_ptr<sl_nvme> owned(nvme);
        owned->reader.reset();
        owned->controller->shutdown();
        return SL_OK;
    });
}

}  // extern "C"
