// The tier-C reader interface: how the streaming pipeline reads byte ranges of a model from storage
// into pinned host buffers. Every storage path (pread + O_DIRECT, io_uring, the userspace NVMe
// driver) implements it, so the pipeline keeps many reads in flight without knowing which one runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "sluice/sluice.h"

namespace sl::io {

// One read: `length` bytes of the model starting at byte `offset` into `dst`. `tag` is the
// caller's and comes back unchanged in the completion. For O_DIRECT paths, offset and dst should be
// 4096-aligned (others are served, slower, through the page cache) and dst must have room for
// length rounded up to 4096: a read ending at the end of the file may be issued rounded up.
struct ReadRequest {
    uint64_t offset = 0;
    uint64_t length = 0;
    void* dst = nullptr;
    uint64_t tag = 0;
};

struct ReadCompletion {
    uint64_t tag = 0;
    sl_status status = SL_OK;
    std::string message;  // why it failed; empty on success
};

class TierReader {
public:
    virtual ~TierReader() = default;

    // Bytes of the model this reader serves; requests must stay within [0, size()).
    virtual uint64_t size() const = 0;

    // Destination buffers are registered once (pinned, and mapped for DMA where the reader can);
    // reads into unregistered memory may be slower or refused, as the reader documents.
    virtual void register_buffer(void* base, size_t bytes) = 0;
    virtual void unregister_buffer(void* base) = 0;

    // Queues a read; it may start at once or when earlier reads free their slots. Throws sl::Error
    // for a request that can never succeed (out of range, null destination).
    virtual void submit(const ReadRequest& request) = 0;

    // One thread submits and reaps. Reaps finished reads into `out` and returns how many. Waits up to `timeout_ms` for the first
    // one (0: do not wait, just poll).
    virtual size_t reap(std::span<ReadCompletion> out, int timeout_ms) = 0;

    // Reads submitted and not yet reaped.
    virtual size_t in_flight() const = 0;
};

}  // namespace sl::io
