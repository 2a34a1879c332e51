// An open file descriptor, closed when this object goes; open failures raise SL_ERR_IO naming the
// file and why.
#pragma once

#include <cstdint>
#include <string>

namespace sl::io {

class FileDescriptor {
public:
    FileDescriptor(const std::string& path, int flags);
    ~FileDescriptor();
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const { return fd_; }
    // The file's size now (it may have shrunk since it was opened).
    uint64_t current_size() const;

private:
    std::string path_;
    int fd_;
};

// Storage reads of O_DIRECT paths are aligned to this (every drive's logical block divides it).
constexpr uint64_t kDirectAlignment = 4096;

}  // namespace sl::io
