#include "stream/layer_layout.h"

#include <algorithm>
#include <numeric>

#include "core/status.h"

namespace sl::stream {
namespace {

// Gaps up to this are read rather than skipped (alignment padding between tensors is 32 bytes).
constexpr uint64_t kMaxGapBytes = uint64_t{1} << 20;

uint64_t align_down(uint64_t v) { return v / kBlockBytes * kBlockBytes; }
uint64_t align_up(uint64_t v) { return (v + kBlockBytes - 1) / kBlockBytes * kBlockBytes; }

}  // namespace

LayerLayout lay_out_layer(std::span<const FileSpan> tensors, uint64_t file_bytes) {
    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });

    LayerLayout layout;
    layout.tensor_offsets.resize(tensors.size());
    uint64_t piece_end = 0;  // file byte where the current piece's last tensor ends
    for (size_t i : order) {
        const FileSpan& t = tensors[i];
        if (t.bytes == 0 || t.offset + t.bytes > file_bytes || t.offset + t.bytes < t.offset)
            raise(SL_ERR_INTERNAL, "streamed tensor at byte %llu (%llu bytes) is empty or outside the file",
                  static_cast<unsigned long long>(t.offset), static_cast<unsigned long long>(t.bytes));
        if (layout.pieces.empty() || t.offset > piece_end + kMaxGapBytes) {
            const uint64_t slot_offset =
                layout.pieces.empty() ? 0 : align_up(layout.pieces.back().slot_offset + layout.pieces.back().bytes);
            layout.pieces.push_back({align_down(t.offset), 0, slot_offset});
            piece_end = 0;
        }
        Piece& p = layout.pieces.back();
        piece_end = std::max(piece_end, t.offset + t.bytes);
        p.bytes = std::min(align_up(piece_end), file_bytes) - p.file_offset;
        layout.tensor_offsets[i] = p.slot_offset + (t.offset - p.file_offset);
    }
    if (!layout.pieces.empty()) layout.slot_bytes = align_up(layout.pieces.back().slot_offset + layout.pieces.back().bytes);
    return layout;
}

}  // namespace sl::stream
