// The Sluice on-disk header that precedes a model written to a raw NVMe namespace, so a run can
// check that the drive holds the model it was asked to use before streaming a single weight.
//
// Layout: one 4096-byte block at the chosen LBA, little-endian, unused bytes zero.
//   offset  size  field
//        0     8  magic "SLUICEMD"
//        8     4  version (1)
//       12     4  data_offset: bytes from the header's first byte to the model's first byte (4096,
//                 or the block size when blocks are larger), so the model starts on a block boundary
//       16     8  model_size: bytes of the GGUF file
//       24     8  prefix_size: bytes of the GGUF header, metadata and tensor table (to the aligned
//                 start of the tensor data), the region prefix_hash covers
//       32     8  prefix_hash: 64-bit FNV-1a of those bytes (identifies the model; not a security
//                 measure: the file is already trusted when it is written)
//       40     8  header_hash: 64-bit FNV-1a of bytes 0..39 (catches a torn or stale header)
// The GGUF file follows at data_offset, byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sl::nvme {

inline constexpr size_t kModelHeaderBytes = 4096;
inline constexpr uint32_t kModelHeaderVersion = 1;

struct ModelHeader {
    uint32_t version = kModelHeaderVersion;
    uint32_t data_offset = kModelHeaderBytes;
    uint64_t model_size = 0;
    uint64_t prefix_size = 0;
    uint64_t prefix_hash = 0;
};

uint64_t fnv1a64(const void* data, size_t bytes, uint64_t hash = 0xcbf29ce484222325ull);

// The header for the GGUF file at `path`, written for a device of `block_size`-byte blocks.
ModelHeader header_for_file(const std::string& path, uint32_t block_size);

void encode(const ModelHeader& header, uint8_t (&block)[kModelHeaderBytes]);
// Throws SL_ERR_FORMAT when the block holds no valid Sluice header, saying what is wrong.
ModelHeader decode(const uint8_t (&block)[kModelHeaderBytes]);

// Throws SL_ERR_FORMAT naming the first field where the drive's header differs from the expected one.
void require_same_model(const ModelHeader& on_drive, const ModelHeader& expected);

}  // namespace sl::nvme
