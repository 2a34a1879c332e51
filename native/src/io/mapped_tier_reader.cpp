// Tier C's baseline: bytes copied out of the file's read-only mapping, so they come from the page
// cache (and the kernel's readahead) like any mmap-based engine. Before each copy the file's size
// is checked, so a file truncated while the model runs is an error rather than SIGBUS (the JVM
// owns the signal handlers); a truncation between the check and the copy can still fault. The
// copied range is then dropped from the page cache, which would otherwise keep it against the
// RAM budget that sent the layer to storage.
#include <fcntl.h>
#include <sys/mman.h>

#include <cstring>

#include "core/status.h"
#include "io/file_descriptor.h"
#include "io/mapped_file.h"
#include "io/threaded_tier_reader.h"
#include "io/tier_readers.h"

namespace sl::io {
namespace {

constexpr int kCopyThreads = 4;

class MappedTierReader final : public ThreadedTierReader {
public:
    MappedTierReader(const std::string& path, bool drop_cached)
        : MappedTierReader(path, std::make_unique<MappedFile>(path), drop_cached) {}
    ~MappedTierReader() override { stop(); }

private:
    MappedTierReader(const std::string& path, std::unique_ptr<MappedFile> file, bool drop_cached)
        : ThreadedTierReader(path, file->size(), kCopyThreads), fd_(path, O_RDONLY), file_(std::move(file)),
          drop_cached_(drop_cached) {}

    void read_piece(uint64_t offset, uint64_t length, uint8_t* dst) override {
        const uint64_t now = fd_.current_size();
        if (offset + length > now)
            raise(SL_ERR_IO, "'%s' is now %llu bytes: bytes %llu..%llu are gone (the file was truncated while the model "
                  "runs)", path().c_str(), static_cast<unsigned long long>(now), static_cast<unsigned long long>(offset),
                  static_cast<unsigned long long>(offset + length));
        std::memcpy(dst, file_->data() + offset, length);
        if (drop_cached_) drop(offset, length);
    }

    // Pages still mapped stay cached whatever the advice: unmap this range's pages from the mapping
    // first (a read-only file mapping loses nothing), then advise the kernel to drop them.
    void drop(uint64_t offset, uint64_t length) {
        constexpr uint64_t kPage = 4096;
        const uint64_t begin = (offset + kPage - 1) / kPage * kPage, end = (offset + length) / kPage * kPage;
        if (end <= begin) return;
        ::madvise(const_cast<uint8_t*>(file_->data()) + begin, end - begin, MADV_DONTNEED);
        ::posix_fadvise(fd_.get(), static_cast<off_t>(begin), static_cast<off_t>(end - begin), POSIX_FADV_DONTNEED);
    }

    FileDescriptor fd_;
    std::unique_ptr<MappedFile> file_;
    bool drop_cached_;
};

}  // namespace

std::unique_ptr<TierReader> make_mapped_tier_reader(const std::string& path, bool drop_cached) {
    return std::make_unique<MappedTierReader>(path, drop_cached);
}

}  // namespace sl::io
