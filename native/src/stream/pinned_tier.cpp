#include "stream/pinned_tier.h"

#include <atomic>

#include "core/status.h"
#include "stream/layer_read.h"

namespace sl::stream {

PinnedTier::PinnedTier(Backend& backend, io::TierReader& reader, std::span<const LayerLayout* const> layouts,
                       std::span<const int32_t> layer_ids, int timeout_ms, uint64_t* progress) {
    buffers_.reserve(layouts.size());
    for (size_t i = 0; i < layouts.size(); ++i) {
        try {
            buffers_.push_back(backend.allocate(layouts[i]->slot_bytes, MemoryKind::kPinned));
        } catch (const Error& e) {
            if (e.status() != SL_ERR_OUT_OF_MEMORY) throw;
            raise(SL_ERR_OUT_OF_MEMORY,
                  "pinned host memory for layer %d of tier B (%zu of %zu layers placed): %s; give a lower --ram-budget "
                  "so that more layers stream from storage",
                  layer_ids[i], i, layouts.size(), e.what());
        }
        read_layer(reader, *layouts[i], layer_ids[i], static_cast<uint8_t*>(buffers_.back()->data()), timeout_ms);
        if (progress) std::atomic_ref<uint64_t>(*progress).fetch_add(layouts[i]->slot_bytes, std::memory_order_relaxed);
    }
}

}  // namespace sl::stream
