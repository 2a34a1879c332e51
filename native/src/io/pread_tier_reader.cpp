// Tier C by pread on a few threads, with O_DIRECT so the bytes go from the drive into pinned
// staging without the page cache (whose copy would cost as much RAM bandwidth as the read).
// Requests not aligned for O_DIRECT go through a second, buffered descriptor.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/status.h"
#include "io/file_descriptor.h"
#include "io/read_request.h"
#include "io/threaded_tier_reader.h"
#include "io/tier_readers.h"

namespace sl::io {
namespace {

constexpr int kReadThreads = 4;

uint64_t file_size(const std::string& path) { return FileDescriptor(path, O_RDONLY).current_size(); }

class PreadTierReader final : public ThreadedTierReader {
public:
    explicit PreadTierReader(const std::string& path)
        : ThreadedTierReader(path, file_size(path), kReadThreads), direct_(path, O_RDONLY | O_DIRECT),
          buffered_(path, O_RDONLY) {}
    ~PreadTierReader() override { stop(); }

private:
    void read_piece(uint64_t offset, uint64_t length, uint8_t* dst) override {
        const auto [direct, asked] = plan_direct_read(offset, dst, length);
        const int fd = direct ? direct_.get() : buffered_.get();
        uint64_t got = 0;
        while (got < length) {
            const ssize_t n = ::pread(fd, dst + got, asked - got, static_cast<off_t>(offset + got));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                raise(SL_ERR_IO, "reading %llu bytes of '%s' at byte %llu failed: %s",
                      static_cast<unsigned long long>(length), path().c_str(),
                      static_cast<unsigned long long>(offset + got), std::strerror(errno));
            if (n == 0)
                raise(SL_ERR_IO, "short read of '%s' at byte %llu: wanted %llu bytes, got %llu (the file was truncated?)",
                      path().c_str(), static_cast<unsigned long long>(offset), static_cast<unsigned long long>(length),
                      static_cast<unsigned long long>(got));
            got += static_cast<uint64_t>(n);
        }
    }

    FileDescriptor direct_, buffered_;
};

}  // namespace

std::unique_ptr<TierReader> make_pread_tier_reader(const std::string& path) {
    return std::make_unique<PreadTierReader>(path);
}

}  // namespace sl::io
