// A file mapped read-only into memory for as long as this object lives. The model's weights are
// read straight from the mapping (the page cache), never copied into the heap.
#pragma once

#include <cstdint>
#include <string>

namespace sl::io {

class MappedFile {
public:
    // Maps the whole file; raises SL_ERR_IO when it cannot be opened or mapped.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return data_; }
    uint64_t size() const { return size_; }

    // Asks the kernel to start reading [offset, offset + bytes) ahead of use.
    void prefetch(uint64_t offset, uint64_t bytes) const;

private:
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
};

}  // namespace sl::io
