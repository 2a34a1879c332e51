// Where a model's weight bytes come from. The model binds its WeightRefs to addresses a source
// hands out and never learns whether they lie in the mapped GGUF file (the page cache) or in
// memory the source filled itself from a drive; the streaming executor reads tiers B and C
// through the same sources.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace sl::io {

class WeightSource {
public:
    virtual ~WeightSource() = default;

    // Bytes of the GGUF file, the space the tensor table's offsets index.
    virtual uint64_t size() const = 0;

    // Brings model bytes [begin, end), the resident weights, into memory; called once, before at().
    virtual void load_resident(uint64_t begin, uint64_t end) = 0;

    // The address of model byte `offset`, inside the resident range, for as long as the source lives.
    virtual const uint8_t* at(uint64_t offset) const = 0;
};

// Weights read in place from the GGUF file mapped read-only; loading only asks the kernel to page
// them in ahead of use.
std::unique_ptr<WeightSource> make_mapped_weight_source(const std::string& path);

}  // namespace sl::io
