// What every storage reader does with a request before reading: refuse one that can never succeed,
// and decide whether O_DIRECT can take a piece of it.
#pragma once

#include <cstdint>
#include <string>

#include "io/tier_reader.h"

namespace sl::io {

// Raises SL_ERR_INVALID_ARGUMENT for a null destination or bytes outside the file of `size`.
void check_read_request(const ReadRequest& request, uint64_t size, const std::string& path);

// How to read `length` bytes at `offset` into `dst`: with O_DIRECT when offset and dst are aligned
// for it, asking for whole blocks (the tail at the end of the file then comes back short); through
// the page cache otherwise, asking for exactly `length`.
struct DirectRead {
    bool direct;
    uint64_t asked;
};
DirectRead plan_direct_read(uint64_t offset, const void* dst, uint64_t length);

}  // namespace sl::io
