#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/status.h"

namespace sl::io {

MappedFile::MappedFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) raise(SL_ERR_IO, "cannot open model file '%s': %s", path.c_str(), std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        raise(SL_ERR_IO, "cannot stat model file '%s': %s", path.c_str(), std::strerror(err));
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
        ::close(fd);
        raise(SL_ERR_IO, "model file '%s' is not a regular non-empty file", path.c_str());
    }
    size_ = static_cast<uint64_t>(st.st_size);
    // MAP_SHARED + PROT_READ: pages come from the page cache and are shared with other processes.
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    int err = errno;
    ::close(fd);  // the mapping keeps the file referenced
    if (p == MAP_FAILED) raise(SL_ERR_IO, "cannot map model file '%s': %s", path.c_str(), std::strerror(err));
    data_ = static_cast<const uint8_t*>(p);
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void MappedFile::prefetch(uint64_t offset, uint64_t bytes) const {
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t begin = offset / page * page;
    // Advice only: a failure costs speed, not correctness.
    ::madvise(const_cast<uint8_t*>(data_) + begin, offset + bytes - begin, MADV_WILLNEED);
}

}  // namespace sl::io
