// The C ABI of the userspace NVMe driver: an sl_nvme handle owns the VFIO device, its DMA space,
// the controller and its queues (a Drive) and one reader over all I/O queues.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/nvme/discovery.h"
#include "io/nvme/drive.h"
#include "io/nvme/image_writer.h"
#include "io/nvme/model_header.h"
#include "io/nvme/nvme_reader.h"
#include "sluice/sluice.h"

using namespace sl::nvme;

struct sl_nvme {
    // The reader goes before the drive shuts down.
    std::unique_ptr<Drive> drive;
    std::unique_ptr<NvmeReader> reader;
    std::vector<std::pair<void*, uint64_t>> registered;  // carried over when attaching swaps readers
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
    nvme.reader = nvme.drive->make_reader(window_start, window_bytes);
    for (auto& [base, bytes] : nvme.registered) nvme.reader->register_buffer(base, bytes);
}

ModelHeader read_header_at(sl_nvme& nvme, uint64_t lba) {
    if (nvme.model_attached) sl::raise(SL_ERR_INVALID_ARGUMENT, "a model is attached; read headers before attaching one");
    return nvme.drive->read_header(*nvme.reader, lba);
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

sl_status sl_nvme_write_model(const char* target, const char* gguf_path, uint64_t lba, sl_nvme_model_header* written,
                              uint64_t* bytes_done) {
    return sl::guarded([&] {
        require(target, "target");
        require(gguf_path, "gguf_path");
        ModelHeader header = write_model(target, gguf_path, lba, bytes_done);
        if (written) *written = to_abi(header);
        return SL_OK;
    });
}

sl_status sl_nvme_open(const char* bdf, const sl_nvme_options* options, sl_nvme** nvme) {
    return sl::guarded([&] {
        require(bdf, "bdf");
        require(nvme, "nvme");
        *nvme = nullptr;
        sl_nvme_options defaults;
        sl_nvme_options_init(&defaults);
        auto handle = std::make_unique<sl_nvme>();
        handle->drive = std::make_unique<Drive>(bdf, options ? *options : defaults);
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
        const Controller& controller = nvme->drive->controller();
        const auto& id = controller.identity();
        const auto& ns = controller.ns();
        copy_text(info->bdf, nvme->drive->device().bdf());
        info->vendor_id = id.vendor_id;
        info->subsystem_vendor_id = id.subsystem_vendor_id;
        info->version = controller.version();
        copy_text(info->serial, id.serial);
        copy_text(info->model, id.model);
        copy_text(info->firmware, id.firmware);
        info->namespace_id = ns.id;
        info->block_size = ns.block_size;
        info->metadata_size = ns.metadata_size;
        info->blocks = ns.blocks;
        info->max_transfer_bytes = id.max_transfer_bytes;
        info->transfer_bytes = nvme->reader->transfer_size();
        info->n_queues = static_cast<int32_t>(nvme->drive->queues().size());
        info->queue_depth = nvme->drive->queues().front()->depth();
        info->iommu = nvme->drive->device().mode() == IommuMode::kIommu ? SL_NVME_IOMMU : SL_NVME_NO_IOMMU;
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
        uint64_t start = nvme->drive->model_start(lba, on_drive);
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
        owned->drive->shutdown();
        return SL_OK;
    });
}

}  // extern "C"
