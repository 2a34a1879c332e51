#include "io/file_descriptor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/status.h"

namespace sl::io {

FileDescriptor::FileDescriptor(const std::string& path, int flags) : path_(path), fd_(::open(path.c_str(), flags | O_CLOEXEC)) {
    if (fd_ < 0) raise(SL_ERR_IO, "cannot open '%s': %s", path.c_str(), std::strerror(errno));
}

FileDescriptor::~FileDescriptor() { ::close(fd_); }

uint64_t FileDescriptor::current_size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) raise(SL_ERR_IO, "cannot stat '%s': %s", path_.c_str(), std::strerror(errno));
    return static_cast<uint64_t>(st.st_size);
}

}  // namespace sl::io
