#include "stream/layer_read.h"

#include <array>

#include "core/status.h"

namespace sl::stream {

void read_layer(io::TierReader& reader, const LayerLayout& layout, int32_t layer, uint8_t* dst, int timeout_ms) {
    for (size_t i = 0; i < layout.pieces.size(); ++i) {
        const Piece& p = layout.pieces[i];
        reader.submit({p.file_offset, p.bytes, dst + p.slot_offset, i});
    }
    std::array<io::ReadCompletion, 16> done;
    sl_status failed = SL_OK;
    std::string why;
    for (size_t left = layout.pieces.size(); left > 0;) {
        const size_t n = reader.reap(done, timeout_ms);
        if (n == 0) raise(SL_ERR_IO, "layer %d: no read of its weights finished within %d ms", layer, timeout_ms);
        for (size_t i = 0; i < n; ++i) {
            if (done[i].status != SL_OK && failed == SL_OK) {
                failed = done[i].status;
                const Piece& p = layout.pieces[done[i].tag];
                why = "file bytes " + std::to_string(p.file_offset) + ".." + std::to_string(p.file_offset + p.bytes) +
                      ": " + done[i].message;
            }
        }
        left -= n;
    }
    if (failed != SL_OK) raise(failed, "reading the weights of layer %d failed at %s", layer, why.c_str());
}

}  // namespace sl::stream
