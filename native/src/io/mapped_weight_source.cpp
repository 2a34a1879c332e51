#include "io/mapped_file.h"
#include "io/weight_source.h"

namespace sl::io {
namespace {

class MappedWeightSource final : public WeightSource {
public:
    explicit MappedWeightSource(const std::string& path) : file_(path) {}

    uint64_t size() const override { return file_.size(); }
    // Resident weights are read every token: start paging them in now.
    void load_resident(uint64_t begin, uint64_t end) override { file_.prefetch(begin, end - begin); }
    const uint8_t* at(uint64_t offset) const override { return file_.data() + offset; }

private:
    MappedFile file_;
};

}  // namespace

std::unique_ptr<WeightSource> make_mapped_weight_source(const std::string& path) {
    return std::make_unique<MappedWeightSource>(path);
}

}  // namespace sl::io
