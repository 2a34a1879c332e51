#include "io/nvme/model_header.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/status.h"
#include "io/nvme/gguf_prefix.h"

namespace sl::nvme {
namespace {

constexpr char kMagic[8] = {'S', 'L', 'U', 'I', 'C', 'E', 'M', 'D'};
constexpr size_t kHashedHeaderBytes = 40;

template <class T>
void put(uint8_t* block, size_t offset, T value) {
    std::memcpy(block + offset, &value, sizeof value);
}

template <class T>
T get(const uint8_t* block, size_t offset) {
    T value;
    std::memcpy(&value, block + offset, sizeof value);
    return value;
}

struct FileCloser {
    int fd;
    ~FileCloser() { close(fd); }
};

}  // namespace

uint64_t fnv1a64(const void* data, size_t bytes, uint64_t hash) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < bytes; ++i) {
        hash ^= p[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}

ModelHeader header_for_file(const std::string& path, uint32_t block_size) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) raise(SL_ERR_IO, "cannot open %s: %s", path.c_str(), strerror(errno));
    FileCloser closer{fd};
    struct stat st;
    if (fstat(fd, &st) != 0) raise(SL_ERR_IO, "cannot stat %s: %s", path.c_str(), strerror(errno));

    ModelHeader header;
    header.model_size = static_cast<uint64_t>(st.st_size);
    header.data_offset = std::max<uint32_t>(kModelHeaderBytes, block_size);
    header.prefix_size = gguf_prefix_size(fd, header.model_size);
    header.prefix_hash = fnv1a64(nullptr, 0);
    std::vector<uint8_t> buffer(1 << 20);
    for (uint64_t at = 0; at < header.prefix_size;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), header.prefix_size - at));
        if (pread(fd, buffer.data(), n, static_cast<off_t>(at)) != static_cast<ssize_t>(n))
            raise(SL_ERR_IO, "cannot read %s: %s", path.c_str(), strerror(errno));
        header.prefix_hash = fnv1a64(buffer.data(), n, header.prefix_hash);
        at += n;
    }
    return header;
}

void encode(const ModelHeader& header, uint8_t (&block)[kModelHeaderBytes]) {
    std::memset(block, 0, kModelHeaderBytes);
    std::memcpy(block, kMagic, sizeof kMagic);
    put(block, 8, header.version);
    put(block, 12, header.data_offset);
    put(block, 16, header.model_size);
    put(block, 24, header.prefix_size);
    put(block, 32, header.prefix_hash);
    put(block, 40, fnv1a64(block, kHashedHeaderBytes));
}

ModelHeader decode(const uint8_t (&block)[kModelHeaderBytes]) {
    if (std::memcmp(block, kMagic, sizeof kMagic) != 0)
        raise(SL_ERR_FORMAT, "no Sluice model header here (write the model with `sluice nvme write` first)");
    if (get<uint64_t>(block, 40) != fnv1a64(block, kHashedHeaderBytes))
        raise(SL_ERR_FORMAT, "the Sluice model header is damaged (its checksum does not match); write the model again");
    ModelHeader header;
    header.version = get<uint32_t>(block, 8);
    header.data_offset = get<uint32_t>(block, 12);
    header.model_size = get<uint64_t>(block, 16);
    header.prefix_size = get<uint64_t>(block, 24);
    header.prefix_hash = get<uint64_t>(block, 32);
    if (header.version != kModelHeaderVersion)
        raise(SL_ERR_FORMAT, "Sluice model header version %u is not supported (this build reads version %u)", header.version,
              kModelHeaderVersion);
    if (header.data_offset < kModelHeaderBytes || header.prefix_size > header.model_size)
        raise(SL_ERR_FORMAT, "the Sluice model header is inconsistent (data offset %u, prefix %llu of %llu bytes)",
              header.data_offset, static_cast<unsigned long long>(header.prefix_size),
              static_cast<unsigned long long>(header.model_size));
    return header;
}

void require_same_model(const ModelHeader& on_drive, const ModelHeader& expected) {
    if (on_drive.model_size != expected.model_size)
        raise(SL_ERR_FORMAT, "the drive holds a different model: %llu bytes, expected %llu",
              static_cast<unsigned long long>(on_drive.model_size), static_cast<unsigned long long>(expected.model_size));
    if (on_drive.prefix_size != expected.prefix_size || on_drive.prefix_hash != expected.prefix_hash)
        raise(SL_ERR_FORMAT, "the drive holds a different model: its GGUF header and tensor table hash to %016llx, expected %016llx",
              static_cast<unsigned long long>(on_drive.prefix_hash), static_cast<unsigned long long>(expected.prefix_hash));
}

}  // namespace sl::nvme
