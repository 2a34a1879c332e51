#include "io/nvme/gguf_prefix.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/status.h"

namespace sl::nvme {
namespace {

enum GgufType : uint32_t {
    kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6, kBool = 7,
    kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};

// Sequential little-endian reads with bounds checks; nothing here trusts a count from the file.
class Cursor {
public:
    Cursor(int fd, uint64_t size) : fd_(fd), size_(size) {}

    uint64_t position() const { return pos_; }

    template <class T>
    T read() {
        T value;
        bytes(&value, sizeof value);
        return value;
    }

    void bytes(void* out, uint64_t n) {
        need(n);
        if (pread(fd_, out, n, static_cast<off_t>(pos_)) != static_cast<ssize_t>(n))
            raise(SL_ERR_IO, "cannot read the GGUF file at byte %llu: %s", static_cast<unsigned long long>(pos_), strerror(errno));
        pos_ += n;
    }

    void skip(uint64_t n) {
        need(n);
        pos_ += n;
    }

    std::string string() {
        uint64_t n = read<uint64_t>();
        need(n);
        std::string s(n, '\0');
        bytes(s.data(), n);
        return s;
    }

private:
    void need(uint64_t n) const {
        if (n > size_ - pos_)
            raise(SL_ERR_FORMAT, "the GGUF file is truncated: %llu bytes needed at byte %llu of %llu",
                  static_cast<unsigned long long>(n), static_cast<unsigned long long>(pos_),
                  static_cast<unsigned long long>(size_));
    }

    int fd_;
    uint64_t size_;
    uint64_t pos_ = 0;
};

uint64_t scalar_size(uint32_t type) {
    switch (type) {
        case kUint8: case kInt8: case kBool: return 1;
        case kUint16: case kInt16: return 2;
        case kUint32: case kInt32: case kFloat32: return 4;
        case kUint64: case kInt64: case kFloat64: return 8;
        default: return 0;
    }
}

void skip_value(Cursor& cursor, uint32_t type, int depth) {
    if (type == kString) {
        cursor.skip(cursor.read<uint64_t>());
    } else if (type == kArray) {
        if (depth > 0) raise(SL_ERR_FORMAT, "GGUF arrays of arrays are not supported");
        uint32_t element = cursor.read<uint32_t>();
        uint64_t n = cursor.read<uint64_t>();
        if (uint64_t size = scalar_size(element)) {
            if (n > UINT64_MAX / size) raise(SL_ERR_FORMAT, "GGUF array of %llu elements is absurd", static_cast<unsigned long long>(n));
            cursor.skip(n * size);
        } else {
            for (uint64_t i = 0; i < n; ++i) skip_value(cursor, element, depth + 1);
        }
    } else if (uint64_t size = scalar_size(type)) {
        cursor.skip(size);
    } else {
        raise(SL_ERR_FORMAT, "unknown GGUF value type %u at byte %llu", type, static_cast<unsigned long long>(cursor.position()));
    }
}

}  // namespace

uint64_t gguf_prefix_size(int fd, uint64_t file_size) {
    Cursor cursor(fd, file_size);
    char magic[4];
    cursor.bytes(magic, 4);
    if (std::memcmp(magic, "GGUF", 4) != 0) raise(SL_ERR_FORMAT, "not a GGUF file (bad magic)");
    uint32_t version = cursor.read<uint32_t>();
    if (version < 2 || version > 3) raise(SL_ERR_FORMAT, "unsupported GGUF version %u (2 or 3 expected)", version);
    uint64_t n_tensors = cursor.read<uint64_t>();
    uint64_t n_kv = cursor.read<uint64_t>();

    uint64_t alignment = 32;  // GGUF's default when general.alignment is absent
    for (uint64_t i = 0; i < n_kv; ++i) {
        std::string key = cursor.string();
        uint32_t type = cursor.read<uint32_t>();
        if (key == "general.alignment" && type == kUint32) {
            alignment = cursor.read<uint32_t>();
            if (alignment == 0 || (alignment & (alignment - 1)) != 0)
                raise(SL_ERR_FORMAT, "general.alignment %llu is not a power of two", static_cast<unsigned long long>(alignment));
        } else {
            skip_value(cursor, type, 0);
        }
    }
    for (uint64_t i = 0; i < n_tensors; ++i) {
        cursor.skip(cursor.read<uint64_t>());  // name
        uint32_t n_dims = cursor.read<uint32_t>();
        if (n_dims > 4) raise(SL_ERR_FORMAT, "GGUF tensor %llu has %u dimensions (at most 4)", static_cast<unsigned long long>(i), n_dims);
        cursor.skip(8ull * n_dims + 4 + 8);  // dims, type, offset
    }
    uint64_t data_start = (cursor.position() + alignment - 1) / alignment * alignment;
    if (data_start > file_size) raise(SL_ERR_FORMAT, "the GGUF file ends before its tensor data");
    return data_start;
}

}  // namespace sl::nvme
