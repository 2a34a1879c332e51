#include "io/host_buffer.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/status.h"

namespace sl::io {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

HostBuffer::HostBuffer(size_t bytes) : bytes_((bytes + kHugePage - 1) / kHugePage * kHugePage) {
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        raise(SL_ERR_OUT_OF_MEMORY, "cannot map %zu bytes of host memory for the weights: %s", bytes_, std::strerror(errno));
    data_ = static_cast<uint8_t*>(p);
    // Advice only: without huge pages the buffer works the same, a little slower.
    ::madvise(data_, bytes_, MADV_HUGEPAGE);
}

HostBuffer::~HostBuffer() {
    if (data_) ::munmap(data_, bytes_);
}

HostBuffer::HostBuffer(HostBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

HostBuffer& HostBuffer::operator=(HostBuffer&& other) noexcept {
    if (this != &other) {
        if (data_) ::munmap(data_, bytes_);
        data_ = std::exchange(other.data_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
}

}  // namespace sl::io
