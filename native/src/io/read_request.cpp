#include "io/read_request.h"

#include "core/status.h"
#include "io/file_descriptor.h"

namespace sl::io {

void check_read_request(const ReadRequest& request, uint64_t size, const std::string& path) {
    if (!request.dst)
        raise(SL_ERR_INVALID_ARGUMENT, "read of %s at byte %llu: no destination", path.c_str(),
              static_cast<unsigned long long>(request.offset));
    if (request.offset > size || request.length > size - request.offset)
        raise(SL_ERR_INVALID_ARGUMENT, "read of %llu bytes at byte %llu is outside %s (%llu bytes)",
              static_cast<unsigned long long>(request.length), static_cast<unsigned long long>(request.offset),
              path.c_str(), static_cast<unsigned long long>(size));
}

DirectRead plan_direct_read(uint64_t offset, const void* dst, uint64_t length) {
    const bool direct = offset % kDirectAlignment == 0 && reinterpret_cast<uintptr_t>(dst) % kDirectAlignment == 0;
    return {direct, direct ? (length + kDirectAlignment - 1) / kDirectAlignment * kDirectAlignment : length};
}

}  // namespace sl::io
