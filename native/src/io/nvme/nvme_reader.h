// The tier-C reader over the userspace NVMe driver: byte ranges of a namespace read into pinned
// buffers with commands spread over several I/O queues. Ranges are cut at the controller's maximum
// transfer size; block-aligned parts go straight into registered buffers by DMA, and the partial
// blocks at unaligned starts and ends (and everything, when caller memory cannot be mapped for DMA)
// go through bounce buffers and are copied out.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "io/nvme/controller.h"
#include "io/tier_reader.h"

namespace sl::nvme {

struct ReaderOptions {
    uint64_t window_start = 0;    // namespace byte where reader offset 0 lies (block-aligned)
    uint64_t window_bytes = 0;    // bytes readable from window_start; 0: to the namespace end
    uint64_t max_transfer = 0;    // per-command cap below the controller's own; 0: the controller's
    int bounce_buffers = 8;
};

struct QueueStats {
    uint64_t commands = 0;
    size_t max_outstanding = 0;
};

class NvmeReader final : public io::TierReader {
public:
    NvmeReader(Controller& controller, DmaSpace& dma, std::vector<QueuePair*> queues, const ReaderOptions& options);
    ~NvmeReader() override;

    uint64_t size() const override { return window_bytes_; }
    void register_buffer(void* base, size_t bytes) override;
    void unregister_buffer(void* base) override;
    void submit(const io::ReadRequest& request) override;
    size_t reap(std::span<io::ReadCompletion> out, int timeout_ms) override;
    size_t in_flight() const override { return requests_.size() + done_.size(); }

    // Bytes per command after every cap (MDTS, one PRP list page, the option).
    uint64_t transfer_size() const { return transfer_; }
    const std::vector<QueueStats>& queue_stats() const { return stats_; }

    // Submits one read and waits for it: the simple path for headers and tests.
    void read(uint64_t offset, uint64_t length, void* dst);

private:
    // A piece of a request that one command reads: whole blocks [lba, lba + blocks), of which bytes
    // [skip, skip + length) land at dst.
    struct Chunk {
        uint64_t request = 0;
        uint64_t lba = 0;
        uint32_t blocks = 0;
        uint64_t skip = 0;
        uint64_t length = 0;
        uint8_t* dst = nullptr;
        bool direct = false;  // DMA straight into dst, no bounce
    };
    struct Slot {  // per command id of each queue
        bool active = false;
        Chunk chunk;
        DmaBuffer prp_list;
        int bounce = -1;
    };
    struct Request {
        uint64_t tag = 0;
        uint64_t chunks_left = 0;
        sl_status status = SL_OK;
        std::string message;
    };
    struct Registered {
        uint8_t* base;
        size_t bytes;
        uint64_t iova;
    };

    void split(uint64_t id, const io::ReadRequest& request);
    void add_chunk(uint64_t id, uint64_t first_byte, uint64_t end_byte, uint64_t request_start, uint8_t* dst);
    const Registered* registration(const uint8_t* dst, uint64_t length) const;
    bool start(const Chunk& chunk);
    void pump();
    void on_completion(size_t queue, const Completion& completion);
    void finish_chunk(const Chunk& chunk, sl_status status, const std::string& message);
    void check_health();
    void fail_everything(const std::string& message);
    void drain_outstanding();

    Controller& controller_;
    DmaSpace& dma_;
    std::vector<QueuePair*> queues_;
    std::vector<std::vector<Slot>> slots_;
    std::vector<QueueStats> stats_;
    std::vector<DmaBuffer> bounce_;
    std::vector<int> free_bounce_;
    std::vector<Registered> registered_;
    std::deque<Chunk> pending_;
    std::unordered_map<uint64_t, Request> requests_;
    std::vector<io::ReadCompletion> done_;
    uint64_t window_start_;
    uint64_t window_bytes_;
    uint64_t block_;
    uint64_t transfer_;
    uint64_t next_request_ = 0;
    size_t next_queue_ = 0;
    std::chrono::steady_clock::time_point next_health_check_{};
    std::string broken_;  // why the controller can no longer be used; empty while healthy
};

}  // namespace sl::nvme
