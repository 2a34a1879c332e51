// The storage readers of tier C, by sl_stream_path: copies out of the file's mapping (the
// baseline), pread with O_DIRECT on a few threads, and io_uring. (The userspace NVMe reader comes
// from the NVMe weight source, which owns the drive.)
#pragma once

#include <memory>
#include <string>

#include "io/tier_reader.h"
#include "sluice/sluice.h"

namespace sl::io {

// SL_STREAM_AUTO takes io_uring when this build has it and the kernel lets it start, else pread.
// Raises SL_ERR_IO when the file cannot be opened, SL_ERR_UNSUPPORTED for io_uring asked for and
// unavailable, SL_ERR_INVALID_ARGUMENT for SL_STREAM_NVME or a value outside the enum.
std::unique_ptr<TierReader> make_tier_reader(const std::string& path, sl_stream_path kind);

// drop_cached: advise the kernel to drop each range from the page cache once copied (tier C, whose
// bytes the RAM budget left out); false to keep it cached (filling tier B).
std::unique_ptr<TierReader> make_mapped_tier_reader(const std::string& path, bool drop_cached = true);
std::unique_ptr<TierReader> make_pread_tier_reader(const std::string& path);
std::unique_ptr<TierReader> make_uring_tier_reader(const std::string& path);

}  // namespace sl::io
