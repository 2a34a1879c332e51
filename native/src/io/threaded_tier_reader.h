// A tier reader over a pool of threads doing blocking reads: each request is cut into pieces that
// the threads take in order, so one layer's read keeps several reads in flight; the request is done
// when its last piece is. The mmap and pread readers are this with their own piece read.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "io/tier_reader.h"

namespace sl::io {

// Bytes of one piece: large enough that a read is efficient, small enough that a layer's read
// spreads over every thread.
constexpr uint64_t kReadPieceBytes = uint64_t{4} << 20;

class ThreadedTierReader : public TierReader {
public:
    ~ThreadedTierReader() override;

    uint64_t size() const override { return size_; }
    // Blocking reads need no registration.
    void register_buffer(void*, size_t) override {}
    void unregister_buffer(void*) override {}
    void submit(const ReadRequest& request) override;
    size_t reap(std::span<ReadCompletion> out, int timeout_ms) override;
    size_t in_flight() const override;

protected:
    ThreadedTierReader(std::string path, uint64_t size, int threads);
    // Reads model bytes [offset, offset + length) into dst, which has room for length rounded up to
    // 4096 when offset is the request's; raises sl::Error on failure. Runs on the pool's threads.
    virtual void read_piece(uint64_t offset, uint64_t length, uint8_t* dst) = 0;
    // Joins the threads: a derived reader calls it first in its destructor, before what
    // read_piece uses goes.
    void stop();

    const std::string& path() const { return path_; }

private:
    struct Piece {
        uint64_t request;
        uint64_t offset;
        uint64_t length;
        uint8_t* dst;
    };
    struct Pending {
        uint64_t tag;
        size_t pieces_left;
        ReadCompletion result;
    };

    void work();

    std::string path_;
    uint64_t size_;
    mutable std::mutex mutex_;
    std::condition_variable work_ready_, done_ready_;
    std::deque<Piece> queue_;
    std::unordered_map<uint64_t, Pending> pending_;
    std::deque<ReadCompletion> done_;
    uint64_t next_request_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace sl::io
