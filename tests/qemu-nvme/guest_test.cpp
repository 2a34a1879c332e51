// The checks that run inside the QEMU guest against QEMU's emulated NVMe controller, plus the two
// host-side helpers the driver script needs. Linked statically against a CPU-only sluice_core.
//
//   guest_test write-image IMAGE GGUF LBA           write GGUF with its Sluice header (as `sluice nvme write`)
//   guest_test vfio BDF iommu|noiommu MODEL OTHER_MODEL PROMPT_JSON LBA SERIAL BLOCKS [WINDOW_PHYS WINDOW_BYTES]
//   guest_test block DEVICE MODEL LBA               after rebinding to the kernel: the block device reads back
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "core/status.h"
#include "golden_files.h"
#include "io/nvme/controller.h"
#include "io/nvme/dma.h"
#include "io/nvme/image_writer.h"
#include "io/nvme/nvme_reader.h"
#include "io/nvme/status.h"
#include "io/nvme/vfio.h"
#include "sluice/sluice.h"

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const std::string& what) {
    (ok ? passed : failed)++;
    std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
    std::fflush(stdout);
}

void check_status(sl_status status, sl_status expected, const std::string& what, const char* message_part = nullptr) {
    std::string message = sl_last_error();
    bool ok = status == expected && (!message_part || message.find(message_part) != std::string::npos);
    check(ok, what + " -> " + sl_status_name(status) + (message.empty() ? "" : ": " + message));
}

int summary(const char* phase) {
    std::printf("%s: %d passed, %d failed\n", phase, passed, failed);
    return failed == 0 ? 0 : 1;
}

std::vector<uint8_t> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string hex(uint64_t v) {
    char text[32];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(v));
    return text;
}

// Reads of many sizes and offsets, unaligned at either end, into registered and plain memory,
// compared byte for byte with the file.
void check_model_reads(sl_nvme* nvme, const std::vector<uint8_t>& model, uint64_t transfer) {
    const uint64_t size = model.size();
    std::vector<uint64_t> lengths = {1, 3, 511, 512, 513, 4095, 4096, 4097, 65536 + 7,
                                     transfer - 1, transfer, transfer + 1, size / 2 + 123};
    std::mt19937_64 rng(42);
    // One registered pinned-style buffer, page aligned, plus an unregistered heap buffer.
    const size_t capacity = std::max<uint64_t>(transfer + 1, size / 2 + 123) + 8192;
    void* registered = aligned_alloc(4096, capacity);
    std::vector<uint8_t> plain(capacity);
    check_status(sl_nvme_register_buffer(nvme, registered, capacity), SL_OK, "register destination buffer");
    for (bool use_registered : {true, false}) {
        for (uint64_t length : lengths) {
            for (int trial = 0; trial < 3; ++trial) {
                uint64_t offset = trial == 0 ? 0 : rng() % (size - length);
                if (trial == 2) offset = size - length;  // ends exactly at the model's end
                uint64_t misalign = trial;               // 0, 1, 2 bytes into the buffer
                uint8_t* dst = (use_registered ? static_cast<uint8_t*>(registered) : plain.data()) + misalign;
                std::memset(dst, 0xa5, length);
                sl_status status = sl_nvme_read(nvme, offset, length, dst);
                bool same = status == SL_OK && std::memcmp(dst, model.data() + offset, length) == 0;
                check(same, "read " + std::to_string(length) + " bytes at " + std::to_string(offset) + " into " +
                                (use_registered ? "registered" : "plain") + " memory +" + std::to_string(misalign) +
                                (status == SL_OK ? "" : std::string(": ") + sl_last_error()));
            }
        }
    }
    // The whole model in one read.
    std::vector<uint8_t> whole(size);
    auto t0 = std::chrono::steady_clock::now();
    sl_status status = sl_nvme_read(nvme, 0, size, whole.data());
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    check(status == SL_OK && whole == model, "whole model (" + std::to_string(size) + " bytes) byte-identical");
    std::printf("sanity throughput under emulation (not meaningful): %.1f MB/s\n", size / seconds / 1e6);
    check_status(sl_nvme_unregister_buffer(nvme, registered), SL_OK, "unregister destination buffer");
    std::free(registered);
}

void check_identify(sl_nvme* nvme, const std::string& serial, uint64_t blocks, int expected_iommu) {
    sl_nvme_info info;
    check_status(sl_nvme_get_info(nvme, &info), SL_OK, "get info");
    std::printf("controller %s: vendor %04x, model '%s', serial '%s', firmware '%s', NVMe %x.%x, %llu blocks of %u bytes, "
                "MDTS %llu bytes, %d queues x %d\n",
                info.bdf, info.vendor_id, info.model, info.serial, info.firmware, info.version >> 16, (info.version >> 8) & 0xff,
                static_cast<unsigned long long>(info.blocks), info.block_size,
                static_cast<unsigned long long>(info.max_transfer_bytes), info.n_queues, info.queue_depth);
    check(info.vendor_id == 0x1b36, "vendor id is QEMU's (0x1b36), got " + hex(info.vendor_id));
    check(serial == info.serial, "serial number '" + std::string(info.serial) + "' is " + serial);
    check(std::string(info.model).find("QEMU NVMe") == 0, "model name starts with 'QEMU NVMe'");
    check(info.blocks == blocks, "namespace size " + std::to_string(info.blocks) + " blocks is " + std::to_string(blocks));
    check(info.block_size == 512, "block size 512");
    check(info.max_transfer_bytes == 512 * 1024, "MDTS gives 512 KiB transfers, got " + std::to_string(info.max_transfer_bytes));
    check(info.n_queues == 4 && info.queue_depth >= 64, "4 I/O queues of depth >= 64");
    check(info.iommu == expected_iommu, "IOMMU mode as asked");
    check(info.readable_bytes == blocks * 512, "readable bytes are the whole namespace before attaching");
}

void check_namespace_end(sl_nvme* nvme, uint64_t ns_bytes) {
    std::vector<uint8_t> buffer(8192);
    check_status(sl_nvme_read(nvme, ns_bytes - 512, 512, buffer.data()), SL_OK, "read of the last block");
    check_status(sl_nvme_read(nvme, ns_bytes - 512, 1024, buffer.data()), SL_ERR_INVALID_ARGUMENT,
                 "read across the namespace end refused", "past the end");
    check_status(sl_nvme_read(nvme, ns_bytes, 1, buffer.data()), SL_ERR_INVALID_ARGUMENT, "read at the namespace end refused");
    check_status(sl_nvme_read(nvme, UINT64_MAX - 10, 20, buffer.data()), SL_ERR_INVALID_ARGUMENT, "read with a wrapping range refused");
}

void check_headers(sl_nvme* nvme, const std::string& model_path, const std::string& other_path, uint64_t lba) {
    sl_nvme_model_header expected, other, on_drive;
    check_status(sl_nvme_header_for_file(model_path.c_str(), 512, &expected), SL_OK, "header of the model file");
    check_status(sl_nvme_header_for_file(other_path.c_str(), 512, &other), SL_OK, "header of another model file");
    check_status(sl_nvme_read_header(nvme, lba, &on_drive), SL_OK, "read the header on the drive");
    check(on_drive.prefix_hash == expected.prefix_hash && on_drive.model_size == expected.model_size,
          "header on the drive matches the model file");
    check_status(sl_nvme_read_header(nvme, 0, &on_drive), SL_ERR_FORMAT, "LBA 0 holds no header", "no Sluice model header");
    check_status(sl_nvme_attach_model(nvme, lba, &other), SL_ERR_FORMAT, "attaching a different model refused", "different model");
    check_status(sl_nvme_attach_model(nvme, lba, &expected), SL_OK, "attaching the right model");
}

sl_nvme* open_controller(const std::string& bdf, int iommu, uint64_t window_phys, uint64_t window_bytes) {
    sl_nvme_options options;
    sl_nvme_options_init(&options);
    options.iommu = iommu;
    options.n_queues = 4;
    options.queue_depth = 64;
    options.dma_window_phys = window_phys;
    options.dma_window_bytes = window_bytes;
    sl_nvme* nvme = nullptr;
    check_status(sl_nvme_open(bdf.c_str(), &options, &nvme), SL_OK, "open " + bdf);
    return nvme;
}

// A read past the namespace end sent straight to the controller (the reader refuses it before it
// gets there): the controller's own status comes back decoded.
void check_device_status(sl::nvme::Controller& controller, sl::nvme::QueuePair& queue, sl::nvme::DmaSpace& dma) {
    using namespace sl::nvme;
    DmaBuffer page = dma.allocate(4096);
    Command read;
    read.cdw0 = 0x02;
    read.nsid = controller.ns().id;
    read.prp1 = page.iova;
    read.cdw10 = static_cast<uint32_t>(controller.ns().blocks);
    read.cdw11 = static_cast<uint32_t>(controller.ns().blocks >> 32);
    uint16_t cid = queue.submit(read);
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (text.empty() && std::chrono::steady_clock::now() < deadline)
        queue.reap([&](const Completion& c) { if (c.command_id == cid) text = c.status().ok() ? "success" : describe(c.status()); });
    dma.release(page);
    check(text.find("LBA Out of Range") == 0, "controller status for a read past the end decodes as: " + text);
}

// Many reads in flight over every queue at once, through the native tier reader itself.
void check_concurrent_reads(sl::nvme::NvmeReader& reader, const std::vector<uint8_t>& model, size_t n_queues) {
    const uint64_t piece = 40000;  // not a block multiple: exercises the bounced edges too
    const size_t n = static_cast<size_t>(model.size() / piece);
    std::vector<uint8_t> out(n * piece);
    reader.register_buffer(out.data(), out.size());
    for (size_t i = 0; i < n; ++i) reader.submit({i * piece, piece, out.data() + i * piece, i});
    std::vector<sl::io::ReadCompletion> done(16);
    size_t completed = 0, errors = 0;
    while (reader.in_flight() > 0) {
        size_t got = reader.reap(done, 5000);
        for (size_t i = 0; i < got; ++i) errors += done[i].status != SL_OK;
        completed += got;
        if (got == 0) break;
    }
    reader.unregister_buffer(out.data());
    check(completed == n && errors == 0, std::to_string(n) + " concurrent reads completed without error");
    check(std::memcmp(out.data(), model.data(), out.size()) == 0, "concurrent reads byte-identical");
    bool all_used = true, overlapped = false;
    for (size_t q = 0; q < reader.queue_stats().size(); ++q) {
        auto& s = reader.queue_stats()[q];
        std::printf("queue %zu: %llu commands, up to %zu outstanding\n", q + 1, static_cast<unsigned long long>(s.commands),
                    s.max_outstanding);
        all_used = all_used && s.commands > 0;
        overlapped = overlapped || s.max_outstanding > 1;
    }
    check(n_queues == 4 && all_used, "every one of 4 queues carried commands");
    check(overlapped, "several commands outstanding on a queue at once");
}

// The driver's C++ layers directly, as the streaming pipeline will use them.
void check_native_driver(const std::string& bdf, sl::nvme::IommuMode mode, uint64_t window_phys, uint64_t window_bytes,
                         const std::vector<uint8_t>& model, uint64_t model_start) {
    using namespace sl::nvme;
    try {
        VfioDevice device(bdf, mode);
        auto dma = mode == IommuMode::kIommu ? make_iommu_dma_space(device.container_fd())
                                             : make_reserved_window_dma_space(window_phys, window_bytes);
        Controller controller(device, *dma, 1, std::chrono::milliseconds(5000));
        auto queues = controller.create_io_queues(4, 64);
        ReaderOptions options;
        options.window_start = model_start;
        options.window_bytes = model.size();
        options.max_transfer = 16384;  // small commands: many of them in flight
        options.bounce_buffers = 32;
        {
            NvmeReader reader(controller, *dma, queues, options);
            check_concurrent_reads(reader, model, queues.size());
        }
        check_device_status(controller, *queues[0], *dma);
    } catch (const sl::Error& e) {
        check(false, std::string("native driver: ") + e.what());
    }
}

// The model loaded through sl_model_load twice, weights mapped from the file and read from the
// drive, decoding the golden prompt: the logits must be bit-identical. A drive holding another
// model is refused at load.
struct ModelLoad {
    sl_model* model = nullptr;
    sl_status status = SL_OK;
    std::string message;
};

ModelLoad load_model(const std::string& path, const char* bdf, uint64_t lba, int iommu, uint64_t window_phys,
                     uint64_t window_bytes, const std::vector<int32_t>* tiers = nullptr) {
    ModelLoad load;
    auto file = sltest::golden::GgufReader(path).read_llama();
    if (!file) {
        load.status = SL_ERR_FORMAT;
        load.message = path + " is not a GGUF file";
        return load;
    }
    sl_model_params params{};
    params.path = path.c_str();
    params.backend = SL_BACKEND_CPU;
    params.n_threads = 2;
    params.nvme_bdf = bdf;
    params.nvme_lba = lba;
    params.nvme_iommu = iommu;
    params.nvme_dma_window_phys = window_phys;
    params.nvme_dma_window_bytes = window_bytes;
    params.layer_tier = tiers ? tiers->data() : nullptr;
    load.status = sl_model_load(&params, &file->hp, file->tensors.data(), static_cast<int32_t>(file->tensors.size()),
                                &load.model);
    load.message = sl_last_error();
    return load;
}

std::vector<float> decode_all(sl_model* model, const std::vector<int32_t>& tokens, int32_t n_vocab) {
    std::vector<float> logits(tokens.size() * static_cast<size_t>(n_vocab));
    sl_session* session = nullptr;
    bool ok = sl_session_create(model, static_cast<int32_t>(tokens.size()), &session) == SL_OK &&
              sl_session_decode(session, tokens.data(), static_cast<int32_t>(tokens.size()), logits.data(), 1) == SL_OK;
    if (!ok) std::printf("decode failed: %s\n", sl_last_error());
    sl_session_free(session);
    return ok ? logits : std::vector<float>{};
}

void check_model_from_drive(const std::string& bdf, int iommu, uint64_t window_phys, uint64_t window_bytes,
                            const std::string& model_path, const std::string& other_path, const std::string& prompt_path,
                            uint64_t lba) {
    std::vector<int32_t> tokens;
    for (double t : sltest::golden::json_numbers(prompt_path, "tokens")) tokens.push_back(static_cast<int32_t>(t));
    const int32_t n_vocab = sltest::golden::GgufReader(model_path).read_llama()->hp.n_vocab;

    ModelLoad other = load_model(other_path, bdf.c_str(), lba, iommu, window_phys, window_bytes);
    check(other.status == SL_ERR_FORMAT && other.message.find("does not hold model file '" + other_path + "'") != std::string::npos &&
              other.message.find("sluice nvme write") != std::string::npos,
          "loading another model's file against the drive refused -> " + std::string(sl_status_name(other.status)) + ": " +
              other.message);
    sl_model_free(other.model);

    ModelLoad mapped = load_model(model_path, nullptr, 0, 0, 0, 0);
    check(mapped.status == SL_OK, "model loads with weights mapped from the file" + (mapped.message.empty() ? "" : ": " + mapped.message));
    auto t0 = std::chrono::steady_clock::now();
    ModelLoad drive = load_model(model_path, bdf.c_str(), lba, iommu, window_phys, window_bytes);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    check(drive.status == SL_OK, "model loads with weights read from the drive" + (drive.message.empty() ? "" : ": " + drive.message));
    std::printf("sanity: model load from the drive under emulation (not meaningful): %.2f s\n", seconds);
    if (mapped.model && drive.model) {
        std::vector<float> from_file = decode_all(mapped.model, tokens, n_vocab);
        std::vector<float> from_drive = decode_all(drive.model, tokens, n_vocab);
        check(!from_file.empty() && from_file.size() == from_drive.size() &&
                  std::memcmp(from_file.data(), from_drive.data(), from_file.size() * sizeof(float)) == 0,
              "logits of the " + std::to_string(tokens.size()) + "-token prompt bit-identical from the drive and from the file");
    }
    sl_model_free(drive.model);  // shuts the controller down: the load below opens it again

    // Streamed from the drive: the first layer filled into tier B at load, the others read from the
    // drive through the userspace driver on every pass (tier C, the NVMe stream path).
    const int32_t n_layer = sltest::golden::GgufReader(model_path).read_llama()->hp.n_layer;
    std::vector<int32_t> tiers(static_cast<size_t>(n_layer), SL_TIER_STORAGE);
    tiers[0] = SL_TIER_PINNED;
    ModelLoad streamed = load_model(model_path, bdf.c_str(), lba, iommu, window_phys, window_bytes, &tiers);
    check(streamed.status == SL_OK,
          "model loads with its layers streamed from the drive" + (streamed.message.empty() ? "" : ": " + streamed.message));
    if (mapped.model && streamed.model) {
        std::vector<float> from_file = decode_all(mapped.model, tokens, n_vocab);
        std::vector<float> from_drive = decode_all(streamed.model, tokens, n_vocab);
        check(!from_file.empty() && from_file.size() == from_drive.size() &&
                  std::memcmp(from_file.data(), from_drive.data(), from_file.size() * sizeof(float)) == 0,
              "logits bit-identical with layers streamed from the drive (tier B filled from it, tier C read each pass)");
    }
    sl_model_free(mapped.model);
    sl_model_free(streamed.model);
}

int run_vfio(int argc, char** argv) {
    if (argc < 10) return std::fprintf(stderr, "usage: see the top of guest_test.cpp\n"), 2;
    std::string bdf = argv[2];
    bool no_iommu = std::string(argv[3]) == "noiommu";
    std::string model_path = argv[4], other_path = argv[5], prompt_path = argv[6];
    uint64_t lba = std::strtoull(argv[7], nullptr, 0);
    std::string serial = argv[8];
    uint64_t blocks = std::strtoull(argv[9], nullptr, 0);
    uint64_t window_phys = argc > 11 ? std::strtoull(argv[10], nullptr, 0) : 0;
    uint64_t window_bytes = argc > 11 ? std::strtoull(argv[11], nullptr, 0) : 0;
    int mode = no_iommu ? SL_NVME_NO_IOMMU : SL_NVME_IOMMU;
    std::vector<uint8_t> model = slurp(model_path);
    check(!model.empty(), "model file loaded (" + std::to_string(model.size()) + " bytes)");

    // The other mode must be refused: no-IOMMU only when asked for and available, never silently.
    sl_nvme_options wrong;
    sl_nvme_options_init(&wrong);
    wrong.iommu = no_iommu ? SL_NVME_IOMMU : SL_NVME_NO_IOMMU;
    wrong.dma_window_phys = window_phys ? window_phys : 0x30000000;
    wrong.dma_window_bytes = window_bytes ? window_bytes : 1 << 20;
    sl_nvme* refused = nullptr;
    check_status(sl_nvme_open(bdf.c_str(), &wrong, &refused), no_iommu ? SL_ERR_UNSUPPORTED : SL_ERR_IO,
                 std::string("opening in ") + (no_iommu ? "IOMMU" : "no-IOMMU") + " mode refused",
                 no_iommu ? "no-IOMMU mode" : "noiommu");

    sl_nvme* nvme = open_controller(bdf, mode, window_phys, window_bytes);
    if (!nvme) return summary("vfio");
    check_identify(nvme, serial, blocks, mode);
    check_namespace_end(nvme, blocks * 512);
    check_headers(nvme, model_path, other_path, lba);
    sl_nvme_info info;
    sl_nvme_get_info(nvme, &info);
    check(info.readable_bytes == model.size(), "readable bytes are the model's once attached");
    check_model_reads(nvme, model, info.transfer_bytes);
    std::vector<uint8_t> tail(64);
    check_status(sl_nvme_read(nvme, model.size() - 10, 20, tail.data()), SL_ERR_INVALID_ARGUMENT, "read past the model end refused");
    check_status(sl_nvme_close(nvme), SL_OK, "clean shutdown (CC.SHN)");

    // After a shutdown the controller comes up again, as it will for the kernel.
    nvme = open_controller(bdf, mode, window_phys, window_bytes);
    if (nvme) {
        sl_nvme_model_header expected;
        sl_nvme_header_for_file(model_path.c_str(), 512, &expected);
        check_status(sl_nvme_attach_model(nvme, lba, &expected), SL_OK, "attach after re-open");
        std::vector<uint8_t> again(model.size());
        check(sl_nvme_read(nvme, 0, model.size(), again.data()) == SL_OK && again == model, "whole model after re-open");
        check_status(sl_nvme_close(nvme), SL_OK, "second clean shutdown");
    }
    check_model_from_drive(bdf, mode, window_phys, window_bytes, model_path, other_path, prompt_path, lba);
    uint64_t model_start = lba * 512 + sl::nvme::kModelHeaderBytes;
    check_native_driver(bdf, no_iommu ? sl::nvme::IommuMode::kNoIommu : sl::nvme::IommuMode::kIommu, window_phys,
                        window_bytes, model, model_start);
    return summary("vfio");
}

int run_block(int argc, char** argv) {
    if (argc < 5) return std::fprintf(stderr, "usage: see the top of guest_test.cpp\n"), 2;
    std::string device = argv[2];
    std::vector<uint8_t> model = slurp(argv[3]);
    uint64_t lba = std::strtoull(argv[4], nullptr, 0);
    int fd = open(device.c_str(), O_RDONLY);
    check(fd >= 0, "kernel block device " + device + " opens after the rebind");
    if (fd < 0) return summary("block");
    std::vector<uint8_t> back(model.size());
    off_t at = static_cast<off_t>(lba * 512 + sl::nvme::kModelHeaderBytes);
    check(pread(fd, back.data(), back.size(), at) == static_cast<ssize_t>(back.size()) && back == model,
          "the kernel driver reads the model back byte-identical");
    close(fd);
    return summary("block");
}

int run_write_image(int argc, char** argv) {
    if (argc < 5) return std::fprintf(stderr, "usage: see the top of guest_test.cpp\n"), 2;
    sl_nvme_model_header header;
    if (sl_nvme_write_model(argv[2], argv[3], std::strtoull(argv[4], nullptr, 0), &header, nullptr) != SL_OK) {
        std::fprintf(stderr, "error: %s\n", sl_last_error());
        return 1;
    }
    std::printf("wrote %llu bytes (GGUF prefix %llu bytes, hash %016llx)\n", static_cast<unsigned long long>(header.model_size),
                static_cast<unsigned long long>(header.prefix_size), static_cast<unsigned long long>(header.prefix_hash));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string command = argc > 1 ? argv[1] : "";
    if (command == "write-image") return run_write_image(argc, argv);
    if (command == "vfio") return run_vfio(argc, argv);
    if (command == "block") return run_block(argc, argv);
    std::fprintf(stderr, "usage: guest_test write-image|vfio|block ... (see guest_test.cpp)\n");
    return 2;
}
