#include <map>

#include "io/mapped_file.h"
#include "io/tier_readers.h"
#include "io/weight_source.h"

namespace sl::io {
namespace {

class MappedWeightSource final : public WeightSource {
public:
    explicit MappedWeightSource(const std::string& path) : path_(path), file_(path) {}

    uint64_t size() const override { return file_.size(); }
    // Resident weights are read every token: start paging them in now.
    void load_resident(std::span<const ByteRange> ranges) override {
        for (const ByteRange& r : ranges) file_.prefetch(r.begin, r.end - r.begin);
    }
    const uint8_t* at(uint64_t offset) const override { return file_.data() + offset; }

    TierReader& fill_reader() override {
        if (!fill_reader_) fill_reader_ = make_mapped_tier_reader(path_, /*drop_cached=*/false);
        return *fill_reader_;
    }

    TierReader& stream_reader(sl_stream_path path) override {
        std::unique_ptr<TierReader>& reader = readers_[path];
        if (!reader) reader = make_tier_reader(path_, path);
        return *reader;
    }

private:
    std::string path_;
    MappedFile file_;
    std::map<sl_stream_path, std::unique_ptr<TierReader>> readers_;
    std::unique_ptr<TierReader> fill_reader_;
};

}  // namespace

std::unique_ptr<WeightSource> make_mapped_weight_source(const std::string& path) {
    return std::make_unique<MappedWeightSource>(path);
}

}  // namespace sl::io
