// Reads one streamed layer's pieces through a tier reader into a host buffer laid out as its slot,
// all pieces in flight at once, and waits for them.
#pragma once

#include <cstdint>

#include "io/tier_reader.h"
#include "stream/layer_layout.h"

namespace sl::stream {

// dst holds layout.slot_bytes. A failed or short read raises its status naming the layer and the
// file offset; a reader that finishes nothing within timeout_ms raises SL_ERR_IO.
void read_layer(io::TierReader& reader, const LayerLayout& layout, int32_t layer, uint8_t* dst, int timeout_ms);

}  // namespace sl::stream
