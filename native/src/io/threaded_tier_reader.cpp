#include "io/threaded_tier_reader.h"

#include <algorithm>
#include <chrono>

#include "core/status.h"
#include "io/read_request.h"

namespace sl::io {

ThreadedTierReader::ThreadedTierReader(std::string path, uint64_t size, int threads)
    : path_(std::move(path)), size_(size) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

ThreadedTierReader::~ThreadedTierReader() { stop(); }

void ThreadedTierReader::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (std::thread& t : threads_) t.join();
}

void ThreadedTierReader::submit(const ReadRequest& request) {
    check_read_request(request, size_, path_);
    std::lock_guard lock(mutex_);
    const uint64_t id = next_request_++;
    const size_t pieces = std::max<size_t>(1, (request.length + kReadPieceBytes - 1) / kReadPieceBytes);
    pending_.emplace(id, Pending{request.tag, pieces, ReadCompletion{request.tag, SL_OK, {}}});
    auto* dst = static_cast<uint8_t*>(request.dst);
    for (size_t i = 0; i < pieces; ++i) {
        const uint64_t at = i * kReadPieceBytes;
        queue_.push_back({id, request.offset + at, std::min(kReadPieceBytes, request.length - at), dst + at});
    }
    work_ready_.notify_all();
}

void ThreadedTierReader::work() {
    for (;;) {
        Piece piece;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            piece = queue_.front();
            queue_.pop_front();
        }
        sl_status status = SL_OK;
        std::string message;
        try {
            if (piece.length > 0) read_piece(piece.offset, piece.length, piece.dst);
        } catch (const Error& e) {
            status = e.status();
            message = e.what();
        } catch (const std::exception& e) {
            status = SL_ERR_INTERNAL;
            message = e.what();
        }
        std::lock_guard lock(mutex_);
        Pending& p = pending_.at(piece.request);
        if (status != SL_OK && p.result.status == SL_OK) p.result = {p.tag, status, std::move(message)};
        if (--p.pieces_left == 0) {
            done_.push_back(std::move(p.result));
            pending_.erase(piece.request);
            done_ready_.notify_all();
        }
    }
}

size_t ThreadedTierReader::reap(std::span<ReadCompletion> out, int timeout_ms) {
    std::unique_lock lock(mutex_);
    if (timeout_ms > 0)
        done_ready_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return !done_.empty() || pending_.empty(); });
    size_t n = 0;
    for (; n < out.size() && !done_.empty(); ++n) {
        out[n] = std::move(done_.front());
        done_.pop_front();
    }
    return n;
}

size_t ThreadedTierReader::in_flight() const {
    std::lock_guard lock(mutex_);
    return pending_.size() + done_.size();
}

}  // namespace sl::io
