// Where a streamed layer's weights lie in the model file and in the slot that carries it through
// the GPU. A layer's matmul weights are read as few contiguous pieces (llama.cpp and `sluice synth`
// write a layer's tensors together, so usually one): each piece starts at a block-aligned file
// offset and lands at a block-aligned place in the slot, so O_DIRECT and DMA reads go straight in
// and the kernels address every tensor inside the slot without a scatter copy.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace sl::stream {

// Storage reads and slot offsets are aligned to this (the page size and every drive's block size).
constexpr uint64_t kBlockBytes = 4096;

// A tensor's bytes in the model file.
struct FileSpan {
    uint64_t offset = 0;
    uint64_t bytes = 0;
};

// One read: file bytes [file_offset, file_offset + bytes) to slot offset slot_offset. file_offset and
// slot_offset are block-aligned; bytes is too, unless the piece ends at the end of the file.
struct Piece {
    uint64_t file_offset = 0;
    uint64_t bytes = 0;
    uint64_t slot_offset = 0;
};

struct LayerLayout {
    std::vector<Piece> pieces;
    std::vector<uint64_t> tensor_offsets;  // where each tensor's data starts in the slot, in input order
    uint64_t slot_bytes = 0;               // a multiple of kBlockBytes
};

// Lays out the tensors of one layer (any order, none empty) of a file of file_bytes. Tensors closer
// than a small gap share a piece: reading the gap costs less than another request.
LayerLayout lay_out_layer(std::span<const FileSpan> tensors, uint64_t file_bytes);

}  // namespace sl::stream
