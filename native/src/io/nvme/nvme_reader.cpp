#include "io/nvme/nvme_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/status.h"
#include "io/nvme/prp.h"

namespace sl::nvme {
namespace {

constexpr uint8_t kRead = 0x02;
constexpr auto kHealthCheckInterval = std::chrono::milliseconds(1);

uint64_t round_down(uint64_t value, uint64_t to) { return value / to * to; }
uint64_t round_up(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }

}  // namespace

NvmeReader::NvmeReader(Controller& controller, DmaSpace& dma, std::vector<QueuePair*> queues, const ReaderOptions& options)
    : controller_(controller), dma_(dma), queues_(std::move(queues)), stats_(queues_.size()),
      window_start_(options.window_start), block_(controller.ns().block_size) {
    const uint64_t ns_bytes = controller.ns().bytes();
    if (queues_.empty()) raise(SL_ERR_INTERNAL, "an NVMe reader needs at least one I/O queue");
    if (window_start_ % block_ != 0 || window_start_ > ns_bytes)
        raise(SL_ERR_INVALID_ARGUMENT, "reader window start %llu is not a block boundary inside the namespace (%llu bytes)",
              static_cast<unsigned long long>(window_start_), static_cast<unsigned long long>(ns_bytes));
    window_bytes_ = options.window_bytes ? options.window_bytes : ns_bytes - window_start_;
    if (window_bytes_ > ns_bytes - window_start_)
        raise(SL_ERR_INVALID_ARGUMENT, "reader window of %llu bytes at %llu runs past the namespace end (%llu bytes)",
              static_cast<unsigned long long>(window_bytes_), static_cast<unsigned long long>(window_start_),
              static_cast<unsigned long long>(ns_bytes));

    transfer_ = max_prp_transfer(Controller::kPageSize) - Controller::kPageSize;  // room for an offset start
    if (controller.identity().max_transfer_bytes) transfer_ = std::min(transfer_, controller.identity().max_transfer_bytes);
    if (options.max_transfer) transfer_ = std::min(transfer_, options.max_transfer);
    transfer_ = std::min<uint64_t>(round_down(transfer_, block_), 65536 * block_);  // NLB is 16 bits
    if (transfer_ == 0) raise(SL_ERR_INVALID_ARGUMENT, "maximum transfer is smaller than one %llu-byte block",
                              static_cast<unsigned long long>(block_));

    for (auto* queue : queues_) {
        slots_.emplace_back(queue->depth());
        for (auto& slot : slots_.back()) slot.prp_list = dma_.allocate(Controller::kPageSize);
    }
    for (int i = 0; i < std::max(1, options.bounce_buffers); ++i) {
        bounce_.push_back(dma_.allocate(transfer_));
        free_bounce_.push_back(i);
    }
}

NvmeReader::~NvmeReader() {
    drain_outstanding();
    for (auto& registered : registered_) dma_.unmap(registered.base, registered.bytes);
    for (auto& queue_slots : slots_)
        for (auto& slot : queue_slots) dma_.release(slot.prp_list);
    for (auto& buffer : bounce_) dma_.release(buffer);
}

void NvmeReader::drain_outstanding() {
    // Memory must not go back to the DMA space while the controller may still write into it.
    auto deadline = std::chrono::steady_clock::now() + controller_.command_timeout();
    for (size_t q = 0; q < queues_.size(); ++q) {
        while (broken_.empty() && queues_[q]->outstanding() > 0 && std::chrono::steady_clock::now() < deadline) {
            queues_[q]->reap([&](const Completion& completion) { on_completion(q, completion); });
            std::this_thread::yield();
        }
    }
}

void NvmeReader::register_buffer(void* base, size_t bytes) {
    if (!base || bytes == 0) raise(SL_ERR_INVALID_ARGUMENT, "cannot register an empty buffer");
    // Without an IOMMU caller memory is not reachable by DMA: every read is bounced instead.
    if (!dma_.maps_user_memory()) return;
    uint64_t iova = dma_.map(base, bytes);
    registered_.push_back({static_cast<uint8_t*>(base), bytes, iova});
}

void NvmeReader::unregister_buffer(void* base) {
    auto it = std::find_if(registered_.begin(), registered_.end(), [&](const Registered& r) { return r.base == base; });
    if (it == registered_.end()) {
        if (dma_.maps_user_memory()) raise(SL_ERR_INVALID_ARGUMENT, "buffer %p was never registered", base);
        return;
    }
    if (!requests_.empty()) raise(SL_ERR_INVALID_ARGUMENT, "cannot unregister a buffer while reads are in flight");
    dma_.unmap(it->base, it->bytes);
    registered_.erase(it);
}

const NvmeReader::Registered* NvmeReader::registration(const uint8_t* dst, uint64_t length) const {
    for (auto& r : registered_)
        if (dst >= r.base && dst + length <= r.base + r.bytes) return &r;
    return nullptr;
}

void NvmeReader::submit(const io::ReadRequest& request) {
    if (!broken_.empty()) raise(SL_ERR_BACKEND, "%s", broken_.c_str());
    if (!request.dst) raise(SL_ERR_INVALID_ARGUMENT, "read into a null buffer");
    if (request.offset > window_bytes_ || request.length > window_bytes_ - request.offset)
        raise(SL_ERR_INVALID_ARGUMENT, "read of %llu bytes at offset %llu runs past the end of the readable range (%llu bytes)",
              static_cast<unsigned long long>(request.length), static_cast<unsigned long long>(request.offset),
              static_cast<unsigned long long>(window_bytes_));
    uint64_t id = next_request_++;
    if (request.length == 0) {
        done_.push_back({request.tag, SL_OK, ""});
        return;
    }
    requests_[id] = {request.tag, 0, SL_OK, ""};
    split(id, request);
    pump();
}

void NvmeReader::split(uint64_t id, const io::ReadRequest& request) {
    const uint64_t start = window_start_ + request.offset;
    const uint64_t end = start + request.length;
    auto* dst = static_cast<uint8_t*>(request.dst);
    const uint64_t aligned_start = round_up(start, block_);
    const uint64_t aligned_end = round_down(end, block_);
    if (start != aligned_start) add_chunk(id, start, std::min(end, aligned_start), start, dst);
    for (uint64_t at = aligned_start; at < aligned_end; at += transfer_)
        add_chunk(id, at, std::min(aligned_end, at + transfer_), start, dst);
    if (end != aligned_end && aligned_end >= aligned_start) add_chunk(id, std::max(start, aligned_end), end, start, dst);
}

void NvmeReader::add_chunk(uint64_t id, uint64_t first_byte, uint64_t end_byte, uint64_t request_start, uint8_t* dst) {
    Chunk chunk;
    chunk.request = id;
    chunk.lba = first_byte / block_;
    chunk.blocks = static_cast<uint32_t>(round_up(end_byte, block_) / block_ - chunk.lba);
    chunk.skip = first_byte - chunk.lba * block_;
    chunk.length = end_byte - first_byte;
    chunk.dst = dst + (first_byte - request_start);
    chunk.direct = chunk.skip == 0 && chunk.length == chunk.blocks * block_ &&
                   reinterpret_cast<uintptr_t>(chunk.dst) % 4 == 0 && registration(chunk.dst, chunk.length);
    pending_.push_back(chunk);
    ++requests_[id].chunks_left;
}

bool NvmeReader::start(const Chunk& chunk) {
    size_t q = next_queue_;
    for (size_t tried = 0; tried < queues_.size() && queues_[q]->full(); ++tried) q = (q + 1) % queues_.size();
    if (queues_[q]->full()) return false;
    int bounce = -1;
    uint64_t iova;
    if (chunk.direct) {
        const Registered* r = registration(chunk.dst, chunk.length);
        iova = r->iova + static_cast<uint64_t>(chunk.dst - r->base);
    } else {
        if (free_bounce_.empty()) return false;
        bounce = free_bounce_.back();
        free_bounce_.pop_back();
        iova = bounce_[bounce].iova;
    }
    QueuePair& queue = *queues_[q];
    Command command;
    command.cdw0 = kRead;
    command.nsid = controller_.ns().id;
    command.cdw10 = static_cast<uint32_t>(chunk.lba);
    command.cdw11 = static_cast<uint32_t>(chunk.lba >> 32);
    command.cdw12 = chunk.blocks - 1;
    uint16_t cid = queue.next_id();
    Slot& slot = slots_[q][cid];
    Prp prp = build_prp(iova, chunk.blocks * block_, Controller::kPageSize, static_cast<uint64_t*>(slot.prp_list.host),
                        slot.prp_list.iova);
    command.prp1 = prp.prp1;
    command.prp2 = prp.prp2;
    queue.submit(command);
    slot.active = true;
    slot.chunk = chunk;
    slot.bounce = bounce;
    ++stats_[q].commands;
    stats_[q].max_outstanding = std::max(stats_[q].max_outstanding, queue.outstanding());
    next_queue_ = (q + 1) % queues_.size();
    return true;
}

void NvmeReader::pump() {
    while (!pending_.empty() && start(pending_.front())) pending_.pop_front();
}

void NvmeReader::on_completion(size_t q, const Completion& completion) {
    if (completion.command_id >= slots_[q].size() || !slots_[q][completion.command_id].active) return;
    Slot& slot = slots_[q][completion.command_id];
    slot.active = false;
    bool ok = completion.status().ok();
    if (slot.bounce >= 0) {
        if (ok) std::memcpy(slot.chunk.dst, static_cast<uint8_t*>(bounce_[slot.bounce].host) + slot.chunk.skip, slot.chunk.length);
        free_bounce_.push_back(slot.bounce);
        slot.bounce = -1;
    }
    if (ok) {
        finish_chunk(slot.chunk, SL_OK, "");
        return;
    }
    char where[96];
    std::snprintf(where, sizeof where, "NVMe read of %u blocks at LBA %llu failed: ", slot.chunk.blocks,
                  static_cast<unsigned long long>(slot.chunk.lba));
    finish_chunk(slot.chunk, SL_ERR_BACKEND, where + describe(completion.status()));
}

void NvmeReader::finish_chunk(const Chunk& chunk, sl_status status, const std::string& message) {
    auto it = requests_.find(chunk.request);
    if (it == requests_.end()) return;  // already failed as a whole
    Request& request = it->second;
    if (status != SL_OK && request.status == SL_OK) {
        request.status = status;
        request.message = message;
    }
    if (--request.chunks_left > 0) return;
    done_.push_back({request.tag, request.status, request.message});
    requests_.erase(it);
}

void NvmeReader::fail_everything(const std::string& message) {
    broken_ = message;
    pending_.clear();
    for (auto& [id, request] : requests_) done_.push_back({request.tag, SL_ERR_BACKEND, message});
    requests_.clear();
}

void NvmeReader::check_health() {
    auto now = std::chrono::steady_clock::now();
    if (now < next_health_check_ || !broken_.empty()) return;
    next_health_check_ = now + kHealthCheckInterval;
    try {
        controller_.check_fatal();
    } catch (const Error& e) {
        fail_everything(e.what());
        return;
    }
    for (auto* queue : queues_) {
        if (auto cid = queue->overdue(now, controller_.command_timeout())) {
            char message[200];
            std::snprintf(message, sizeof message,
                          "NVMe read (queue %u, command %u) timed out after %lld ms; the controller must be reset: close and reopen it",
                          queue->id(), *cid, static_cast<long long>(controller_.command_timeout().count()));
            fail_everything(message);
            return;
        }
    }
}

size_t NvmeReader::reap(std::span<io::ReadCompletion> out, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, timeout_ms));
    for (;;) {
        for (size_t q = 0; q < queues_.size(); ++q)
            queues_[q]->reap([&](const Completion& completion) { on_completion(q, completion); });
        pump();
        check_health();
        if (!done_.empty() || requests_.empty() || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::yield();
    }
    size_t n = std::min(out.size(), done_.size());
    std::move(done_.begin(), done_.begin() + static_cast<std::ptrdiff_t>(n), out.begin());
    done_.erase(done_.begin(), done_.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
}

void NvmeReader::read(uint64_t offset, uint64_t length, void* dst) {
    if (!requests_.empty() || !done_.empty()) raise(SL_ERR_INTERNAL, "a blocking read needs an idle reader");
    submit({offset, length, dst, 0});
    io::ReadCompletion completion;
    while (reap(std::span(&completion, 1), 1000) == 0)
        if (requests_.empty()) raise(SL_ERR_INTERNAL, "a blocking NVMe read lost its completion");
    if (completion.status != SL_OK) raise(completion.status, "%s", completion.message.c_str());
}

}  // namespace sl::nvme
