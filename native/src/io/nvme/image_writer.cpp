#include "io/nvme/image_writer.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/status.h"

namespace sl::nvme {
namespace {

struct Fd {
    int fd;
    ~Fd() { if (fd >= 0) close(fd); }
};

constexpr uint32_t kImageBlockSize = 512;  // QEMU's and most drives' default logical block size

void write_all(int fd, const void* data, size_t n, uint64_t at, const std::string& target) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (n > 0) {
        ssize_t written = pwrite(fd, p, n, static_cast<off_t>(at));
        if (written <= 0) raise(SL_ERR_IO, "cannot write %s at byte %llu: %s", target.c_str(), static_cast<unsigned long long>(at), strerror(errno));
        p += written;
        at += static_cast<uint64_t>(written);
        n -= static_cast<size_t>(written);
    }
}

}  // namespace

ModelHeader write_model(const std::string& target, const std::string& gguf_path, uint64_t lba, uint64_t* bytes_done) {
    Fd out{open(target.c_str(), O_WRONLY | O_CLOEXEC)};
    if (out.fd < 0) raise(SL_ERR_IO, "cannot open %s for writing: %s", target.c_str(), strerror(errno));
    struct stat st;
    if (fstat(out.fd, &st) != 0) raise(SL_ERR_IO, "cannot stat %s: %s", target.c_str(), strerror(errno));

    uint32_t block_size = kImageBlockSize;
    uint64_t capacity = static_cast<uint64_t>(st.st_size);
    if (S_ISBLK(st.st_mode)) {
        int logical = 0;
        if (ioctl(out.fd, BLKSSZGET, &logical) != 0 || ioctl(out.fd, BLKGETSIZE64, &capacity) != 0)
            raise(SL_ERR_IO, "cannot query the block size of %s: %s", target.c_str(), strerror(errno));
        block_size = static_cast<uint32_t>(logical);
    } else if (!S_ISREG(st.st_mode)) {
        raise(SL_ERR_INVALID_ARGUMENT, "%s is neither a block device nor a disk image file", target.c_str());
    }

    ModelHeader header = header_for_file(gguf_path, block_size);
    const uint64_t start = lba * block_size;
    if (lba > capacity / block_size || header.data_offset + header.model_size > capacity - start)
        raise(SL_ERR_INVALID_ARGUMENT, "%s (%llu bytes) has no room for the %llu-byte model at LBA %llu", target.c_str(),
              static_cast<unsigned long long>(capacity), static_cast<unsigned long long>(header.model_size),
              static_cast<unsigned long long>(lba));

    uint8_t block[kModelHeaderBytes];
    encode(header, block);
    write_all(out.fd, block, sizeof block, start, target);

    Fd in{open(gguf_path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) raise(SL_ERR_IO, "cannot open %s: %s", gguf_path.c_str(), strerror(errno));
    std::vector<uint8_t> buffer(4 << 20);
    for (uint64_t at = 0; at < header.model_size;) {
        ssize_t n = pread(in.fd, buffer.data(), buffer.size(), static_cast<off_t>(at));
        if (n <= 0) raise(SL_ERR_IO, "cannot read %s at byte %llu: %s", gguf_path.c_str(), static_cast<unsigned long long>(at),
                          n == 0 ? "unexpected end of file" : strerror(errno));
        write_all(out.fd, buffer.data(), static_cast<size_t>(n), start + header.data_offset + at, target);
        at += static_cast<uint64_t>(n);
        if (bytes_done) std::atomic_ref<uint64_t>(*bytes_done).store(at, std::memory_order_relaxed);
    }
    if (fsync(out.fd) != 0) raise(SL_ERR_IO, "cannot flush %s: %s", target.c_str(), strerror(errno));
    return header;
}

}  // namespace sl::nvme
