// Tier B: the streamed layers that live in pinned host memory, each laid out as its slot so that
// one copy per token carries it to the GPU at full PCIe speed. Allocated a layer at a time (one
// huge pinned allocation fails long before the RAM runs out) and filled once, at load.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/backend.h"
#include "io/tier_reader.h"
#include "stream/layer_layout.h"

namespace sl::stream {

class PinnedTier {
public:
    // progress (when not null) grows by the bytes of each layer filled, stored atomically.
    PinnedTier(Backend& backend, io::TierReader& reader, std::span<const LayerLayout* const> layouts,
               std::span<const int32_t> layer_ids, int timeout_ms, uint64_t* progress);

    // The pinned copy of the i-th layer given to the constructor.
    const uint8_t* layer(size_t i) const { return static_cast<const uint8_t*>(buffers_[i]->data()); }

private:
    std::vector<std::unique_ptr<BackendBuffer>> buffers_;
};

}  // namespace sl::stream
