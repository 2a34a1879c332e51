// Tier C by io_uring: one thread keeps a deep queue of O_DIRECT reads in flight, into registered
// buffers where the caller registered them (the kernel then skips pinning pages per read).
// liburing is linked statically, so the library loads where the system lacks it; a kernel or
// sandbox that refuses io_uring is SL_ERR_UNSUPPORTED, and SL_STREAM_AUTO then takes pread.
#include "io/tier_readers.h"

#include "core/status.h"

#ifdef SLUICE_WITH_URING
#include <fcntl.h>
#include <liburing.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <unordered_map>
#include <vector>

#include "io/file_descriptor.h"
#include "io/read_request.h"

namespace sl::io {
namespace {

constexpr unsigned kQueueDepth = 64;
constexpr uint64_t kPieceBytes = uint64_t{1} << 20;

class UringTierReader final : public TierReader {
public:
    explicit UringTierReader(const std::string& path)
        : path_(path), direct_(path, O_RDONLY | O_DIRECT), buffered_(path, O_RDONLY), size_(direct_.current_size()) {
        if (const int rc = io_uring_queue_init(kQueueDepth, &ring_, 0); rc < 0)
            raise(SL_ERR_UNSUPPORTED, "io_uring is not available here: %s", std::strerror(-rc));
        slots_.resize(kQueueDepth);
        for (unsigned i = 0; i < kQueueDepth; ++i) free_slots_.push_back(i);
    }

    ~UringTierReader() override {
        // Reads in flight still write into the caller's buffers: wait for each before going.
        while (free_slots_.size() < kQueueDepth) {
            io_uring_cqe* cqe = nullptr;
            if (io_uring_wait_cqe(&ring_, &cqe) < 0) break;
            free_slots_.push_back(static_cast<unsigned>(io_uring_cqe_get_data64(cqe)));
            io_uring_cqe_seen(&ring_, cqe);
        }
        io_uring_queue_exit(&ring_);
    }

    uint64_t size() const override { return size_; }

    // Registration replaces the whole table, so it happens only while nothing is in flight; when the
    // kernel refuses (locked-memory limit), reads into the buffer stay plain ones.
    void register_buffer(void* base, size_t bytes) override {
        buffers_.push_back({base, bytes});
        reregister();
    }
    void unregister_buffer(void* base) override {
        std::erase_if(buffers_, [&](const iovec& v) { return v.iov_base == base; });
        reregister();
    }

    void submit(const ReadRequest& request) override {
        check_read_request(request, size_, path_);
        const uint64_t id = next_request_++;
        const size_t pieces = std::max<size_t>(1, (request.length + kPieceBytes - 1) / kPieceBytes);
        pending_.emplace(id, Pending{pieces, ReadCompletion{request.tag, SL_OK, {}}});
        auto* dst = static_cast<uint8_t*>(request.dst);
        for (size_t i = 0; i < pieces; ++i) {
            const uint64_t at = i * kPieceBytes;
            waiting_.push_back({id, request.offset + at, std::min(kPieceBytes, request.length - at), dst + at, 0});
        }
        pump();
    }

    size_t reap(std::span<ReadCompletion> out, int timeout_ms) override {
        // A request is done when its last piece is: wait piece by piece until one is, or time is up.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            pump();
            complete_ready();
            pump();
            const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
            if (!done_.empty() || free_slots_.size() == kQueueDepth || left.count() <= 0) break;
            __kernel_timespec ts{left.count() / 1000000000, left.count() % 1000000000};
            io_uring_cqe* cqe = nullptr;
            io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
        }
        size_t n = 0;
        for (; n < out.size() && !done_.empty(); ++n) {
            out[n] = std::move(done_.front());
            done_.pop_front();
        }
        return n;
    }

    size_t in_flight() const override { return pending_.size() + done_.size(); }

private:
    struct Piece {
        uint64_t request;
        uint64_t offset;
        uint64_t length;
        uint8_t* dst;
        uint64_t got;  // bytes already read: a short read resubmits the rest
    };
    struct Pending {
        size_t pieces_left;
        ReadCompletion result;
    };

    void reregister() {
        if (free_slots_.size() < kQueueDepth) return;
        if (registered_) io_uring_unregister_buffers(&ring_);
        registered_ = !buffers_.empty() &&
                      io_uring_register_buffers(&ring_, buffers_.data(), static_cast<unsigned>(buffers_.size())) == 0;
    }

    // The registered buffer holding [p, p + n), or -1.
    int buffer_index(const uint8_t* p, uint64_t n) const {
        if (!registered_) return -1;
        for (size_t i = 0; i < buffers_.size(); ++i) {
            const auto* base = static_cast<const uint8_t*>(buffers_[i].iov_base);
            if (p >= base && p + n <= base + buffers_[i].iov_len) return static_cast<int>(i);
        }
        return -1;
    }

    void pump() {
        bool queued = false;
        while (!waiting_.empty() && !free_slots_.empty()) {
            io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
            if (!sqe) break;
            const unsigned slot = free_slots_.back();
            free_slots_.pop_back();
            slots_[slot] = waiting_.front();
            waiting_.pop_front();
            prepare(sqe, slot);
            queued = true;
        }
        if (queued) io_uring_submit(&ring_);
    }

    void prepare(io_uring_sqe* sqe, unsigned slot) {
        const Piece& p = slots_[slot];
        uint8_t* dst = p.dst + p.got;
        const uint64_t offset = p.offset + p.got, length = p.length - p.got;
        const auto [direct, asked] = plan_direct_read(offset, dst, length);
        const int fd = direct ? direct_.get() : buffered_.get();
        const int index = direct ? buffer_index(dst, asked) : -1;
        if (index >= 0) io_uring_prep_read_fixed(sqe, fd, dst, static_cast<unsigned>(asked), offset, index);
        else io_uring_prep_read(sqe, fd, dst, static_cast<unsigned>(asked), offset);
        io_uring_sqe_set_data64(sqe, slot);
    }

    void complete_ready() {
        io_uring_cqe* cqe = nullptr;
        while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
            const auto slot = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
            const int res = cqe->res;
            io_uring_cqe_seen(&ring_, cqe);
            Piece& p = slots_[slot];
            if (res == -EINTR || res == -EAGAIN) {
                waiting_.push_front(p);
            } else if (res < 0) {
                finish(p, SL_ERR_IO, "reading " + std::to_string(p.length) + " bytes of '" + path_ + "' at byte " +
                                         std::to_string(p.offset + p.got) + " failed: " + std::strerror(-res));
            } else if (res == 0) {
                finish(p, SL_ERR_IO, "short read of '" + path_ + "' at byte " + std::to_string(p.offset) + ": wanted " +
                                         std::to_string(p.length) + " bytes, got " + std::to_string(p.got) +
                                         " (the file was truncated?)");
            } else if ((p.got += static_cast<uint64_t>(res)) < p.length) {
                waiting_.push_front(p);
            } else {
                finish(p, SL_OK, {});
            }
            free_slots_.push_back(slot);
        }
    }

    void finish(const Piece& p, sl_status status, std::string message) {
        Pending& pending = pending_.at(p.request);
        if (status != SL_OK && pending.result.status == SL_OK) {
            pending.result.status = status;
            pending.result.message = std::move(message);
        }
        if (--pending.pieces_left == 0) {
            done_.push_back(std::move(pending.result));
            pending_.erase(p.request);
        }
    }

    std::string path_;
    FileDescriptor direct_, buffered_;
    uint64_t size_;
    io_uring ring_{};
    std::vector<Piece> slots_;
    std::vector<unsigned> free_slots_;
    std::deque<Piece> waiting_;
    std::unordered_map<uint64_t, Pending> pending_;
    std::deque<ReadCompletion> done_;
    std::vector<iovec> buffers_;
    bool registered_ = false;
    uint64_t next_request_ = 0;
};

}  // namespace

std::unique_ptr<TierReader> make_uring_tier_reader(const std::string& path) {
    return std::make_unique<UringTierReader>(path);
}

}  // namespace sl::io

#else

namespace sl::io {

std::unique_ptr<TierReader> make_uring_tier_reader(const std::string&) {
    raise(SL_ERR_UNSUPPORTED, "this build has no io_uring support (liburing-dev was not installed when it was built)");
}

}  // namespace sl::io

#endif
