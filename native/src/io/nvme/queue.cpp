#include "io/nvme/queue.h"

#include <atomic>
#include <cstring>

#include "core/status.h"

namespace sl::nvme {

QueuePair::QueuePair(uint16_t id, uint16_t depth, DmaBuffer sq, DmaBuffer cq, volatile uint32_t* sq_tail_doorbell,
                     volatile uint32_t* cq_head_doorbell)
    : id_(id), depth_(depth), sq_(sq), cq_(cq), sq_tail_doorbell_(sq_tail_doorbell),
      cq_head_doorbell_(cq_head_doorbell), busy_(depth, false), submitted_at_(depth) {
    for (uint16_t cid = depth - 1; cid > 0; --cid) free_ids_.push_back(static_cast<uint16_t>(cid - 1));
}

uint16_t QueuePair::submit(Command command) {
    if (full()) raise(SL_ERR_INTERNAL, "NVMe queue %u is full", id_);
    uint16_t cid = free_ids_.back();
    free_ids_.pop_back();
    busy_[cid] = true;
    submitted_at_[cid] = std::chrono::steady_clock::now();
    command.cdw0 = (command.cdw0 & 0xffff) | (static_cast<uint32_t>(cid) << 16);
    std::memcpy(static_cast<Command*>(sq_.host) + sq_tail_, &command, sizeof command);
    if (++sq_tail_ == depth_) sq_tail_ = 0;
    // The entry must be visible in memory before the doorbell write makes the controller fetch it.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    *sq_tail_doorbell_ = sq_tail_;
    return cid;
}

void QueuePair::copy_entry(volatile Completion* from, Completion& to) {
    // Read the phase word first (in reap), then the rest: the fence keeps the loads in that order.
    std::atomic_thread_fence(std::memory_order_acquire);
    to.result = from->result;
    to.sq_head = from->sq_head;
    to.sq_id = from->sq_id;
    to.command_id = from->command_id;
    to.status_phase = from->status_phase;
}

void QueuePair::release_id(uint16_t id) {
    if (!busy_[id]) return;  // a stray completion must not free an id twice
    busy_[id] = false;
    free_ids_.push_back(id);
}

std::optional<uint16_t> QueuePair::overdue(std::chrono::steady_clock::time_point now,
                                           std::chrono::milliseconds timeout) const {
    for (uint16_t cid = 0; cid < depth_; ++cid)
        if (busy_[cid] && now - submitted_at_[cid] > timeout) return cid;
    return std::nullopt;
}

}  // namespace sl::nvme
