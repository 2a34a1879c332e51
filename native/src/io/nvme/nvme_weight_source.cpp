#include "io/nvme/nvme_weight_source.h"

#include <algorithm>
#include <vector>

#include "core/status.h"
#include "io/host_buffer.h"
#include "io/nvme/drive.h"

namespace sl::nvme {
namespace {

// Bytes per read request: big enough that the reader cuts each into many full-size commands,
// small enough that every queue has work until the end.
constexpr uint64_t kLoadPiece = uint64_t{4} << 20;

class NvmeWeightSource final : public io::WeightSource {
public:
    NvmeWeightSource(const std::string& gguf_path, const std::string& bdf, uint64_t lba, const sl_nvme_options& options)
        : drive_(bdf, options) {
        const ModelHeader on_drive = checked_header(gguf_path, lba);
        reader_ = drive_.make_reader(drive_.model_start(lba, on_drive), on_drive.model_size);
    }

    uint64_t size() const override { return reader_->size(); }

    // Each range goes into a host buffer of its own, block-aligned on the drive so the reads DMA
    // straight in; all of them are in flight together.
    void load_resident(std::span<const io::ByteRange> ranges) override {
        if (!resident_.empty()) raise(SL_ERR_INTERNAL, "the resident weights are loaded once");
        for (const io::ByteRange& r : ranges) {
            if (r.begin > r.end || r.end > size())
                raise(SL_ERR_INTERNAL, "resident range [%llu, %llu) is outside the model", ull(r.begin), ull(r.end));
            Resident& part = resident_.emplace_back(r.begin / kHostPage * kHostPage, r.end);
            reader_->register_buffer(part.buffer.data(), part.buffer.size());
            for (uint64_t at = part.begin; at < part.end; at += kLoadPiece)
                reader_->submit({at, std::min(kLoadPiece, part.end - at), part.buffer.data() + (at - part.begin), at});
        }
        wait_for_reads();
    }

    const uint8_t* at(uint64_t offset) const override {
        auto part = std::upper_bound(resident_.begin(), resident_.end(), offset,
                                     [](uint64_t o, const Resident& r) { return o < r.end; });
        if (part == resident_.end() || offset < part->begin)
            raise(SL_ERR_INTERNAL, "model byte %llu is outside the resident weights read from the drive", ull(offset));
        return part->buffer.data() + (offset - part->begin);
    }

    io::TierReader& fill_reader() override { return *reader_; }

    // Streamed layers come from the drive too, through the same reader (the load is over by then).
    io::TierReader& stream_reader(sl_stream_path path) override {
        if (path != SL_STREAM_AUTO && path != SL_STREAM_NVME)
            raise(SL_ERR_INVALID_ARGUMENT, "weights from NVMe drive %s stream from that drive: stream path %d is not "
                  "auto or nvme", drive_.device().bdf().c_str(), path);
        return *reader_;
    }

private:
    static unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

    // The drive's header, checked against the local file: the same GGUF prefix hash and size.
    ModelHeader checked_header(const std::string& gguf_path, uint64_t lba) {
        const std::string& bdf = drive_.device().bdf();
        const ModelHeader expected = header_for_file(gguf_path, drive_.controller().ns().block_size);
        try {
            const ModelHeader on_drive = drive_.read_header(*drive_.make_reader(0, 0), lba);
            require_same_model(on_drive, expected);
            return on_drive;
        } catch (const Error& e) {
            if (e.status() != SL_ERR_FORMAT) throw;
            raise(SL_ERR_FORMAT,
                  "NVMe drive %s at LBA %llu does not hold model file '%s': %s; `sluice nvme write --device %s --file %s "
                  "--lba %llu --yes` puts it there",
                  bdf.c_str(), ull(lba), gguf_path.c_str(), e.what(), bdf.c_str(), gguf_path.c_str(), ull(lba));
        }
    }

    void wait_for_reads() {
        std::vector<io::ReadCompletion> done(64);
        const int timeout_ms = static_cast<int>(drive_.options().timeout_ms);
        while (reader_->in_flight() > 0) {
            const size_t n = reader_->reap(done, timeout_ms);
            if (n == 0)
                raise(SL_ERR_BACKEND, "NVMe drive %s: no weight read finished within %d ms", drive_.device().bdf().c_str(),
                      timeout_ms);
            for (size_t i = 0; i < n; ++i)
                if (done[i].status != SL_OK)
                    raise(done[i].status, "NVMe drive %s: reading the weights at model byte %llu failed: %s",
                          drive_.device().bdf().c_str(), ull(done[i].tag), done[i].message.c_str());
        }
    }

    struct Resident {
        Resident(uint64_t b, uint64_t e) : begin(b), end(e), buffer(e - b) {}
        uint64_t begin, end;
        io::HostBuffer buffer;
    };

    // Teardown runs bottom to top: the reader unmaps the buffers and drains, then the drive shuts
    // down, and only then does the memory the controller wrote into go back.
    std::vector<Resident> resident_;
    Drive drive_;
    std::unique_ptr<NvmeReader> reader_;
};

}  // namespace

std::unique_ptr<io::WeightSource> make_nvme_weight_source(const std::string& gguf_path, const std::string& bdf,
                                                          uint64_t lba, const sl_nvme_options& options) {
    return std::make_unique<NvmeWeightSource>(gguf_path, bdf, lba, options);
}

}  // namespace sl::nvme
