// Where a model's weight bytes come from. The model binds its WeightRefs to addresses a source
// hands out and never learns whether they lie in the mapped GGUF file (the page cache) or in
// memory the source filled itself from a drive; the streaming executor reads tiers B and C
// through the reader a source opens.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "io/tier_reader.h"
#include "sluice/sluice.h"

namespace sl::io {

// Model bytes [begin, end).
struct ByteRange {
    uint64_t begin = 0;
    uint64_t end = 0;
};

class WeightSource {
public:
    virtual ~WeightSource() = default;

    // Bytes of the GGUF file, the space the tensor table's offsets index.
    virtual uint64_t size() const = 0;

    // Brings the resident weights into memory: sorted, disjoint ranges; called once, before at().
    virtual void load_resident(std::span<const ByteRange> ranges) = 0;

    // The address of model byte `offset`, inside a resident range, for as long as the source lives.
    virtual const uint8_t* at(uint64_t offset) const = 0;

    // The reader of the streamed layers' bytes by the given path, opened on first use and owned by
    // the source. Raises SL_ERR_INVALID_ARGUMENT for a path this source cannot take.
    virtual TierReader& stream_reader(sl_stream_path path) = 0;

    // The reader that fills tier B once, at load: through the page cache for a file (which keeps
    // those bytes cached for the next load), from the drive for NVMe. Owned by the source.
    virtual TierReader& fill_reader() = 0;
};

// Weights read in place from the GGUF file mapped read-only; loading only asks the kernel to page
// them in ahead of use. Streamed layers are read from the file by any of the paths but NVMe.
std::unique_ptr<WeightSource> make_mapped_weight_source(const std::string& path);

}  // namespace sl::io
