#include "io/tier_readers.h"

#include "core/status.h"

namespace sl::io {

std::unique_ptr<TierReader> make_tier_reader(const std::string& path, sl_stream_path kind) {
    switch (kind) {
        case SL_STREAM_AUTO:
            try {
                return make_uring_tier_reader(path);
            } catch (const Error& e) {
                if (e.status() != SL_ERR_UNSUPPORTED) throw;
                return make_pread_tier_reader(path);
            }
        case SL_STREAM_MMAP: return make_mapped_tier_reader(path);
        case SL_STREAM_PREAD: return make_pread_tier_reader(path);
        case SL_STREAM_URING: return make_uring_tier_reader(path);
        case SL_STREAM_NVME:
            raise(SL_ERR_INVALID_ARGUMENT, "stream path nvme reads from an NVMe drive: give its address (nvme_bdf)");
    }
    raise(SL_ERR_INVALID_ARGUMENT, "stream path %d is not an sl_stream_path", static_cast<int>(kind));
}

}  // namespace sl::io
