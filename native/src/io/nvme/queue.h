// One NVMe submission/completion queue pair, polled: commands go in at the SQ tail, completions are
// recognised by their phase bit, and both doorbells live in BAR0.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "io/nvme/dma.h"
#include "io/nvme/status.h"

namespace sl::nvme {

struct Command {
    uint32_t cdw0 = 0;  // opcode in bits 7:0, command id in 31:16 (set by QueuePair::submit)
    uint32_t nsid = 0;
    uint32_t cdw2 = 0;
    uint32_t cdw3 = 0;
    uint64_t metadata = 0;
    uint64_t prp1 = 0;
    uint64_t prp2 = 0;
    uint32_t cdw10 = 0;
    uint32_t cdw11 = 0;
    uint32_t cdw12 = 0;
    uint32_t cdw13 = 0;
    uint32_t cdw14 = 0;
    uint32_t cdw15 = 0;
};
static_assert(sizeof(Command) == 64, "an NVMe submission queue entry is 64 bytes");

struct Completion {
    uint32_t result = 0;  // command specific (dword 0)
    uint32_t reserved = 0;
    uint16_t sq_head = 0;
    uint16_t sq_id = 0;
    uint16_t command_id = 0;
    uint16_t status_phase = 0;  // bit 0: phase tag, bits 15:1: status

    CompletionStatus status() const { return {static_cast<uint16_t>(status_phase >> 1)}; }
};
static_assert(sizeof(Completion) == 16, "an NVMe completion queue entry is 16 bytes");

class QueuePair {
public:
    // sq and cq hold `depth` entries each; the doorbells point into BAR0.
    QueuePair(uint16_t id, uint16_t depth, DmaBuffer sq, DmaBuffer cq, volatile uint32_t* sq_tail_doorbell,
              volatile uint32_t* cq_head_doorbell);

    uint16_t id() const { return id_; }
    uint16_t depth() const { return depth_; }
    const DmaBuffer& sq_memory() const { return sq_; }
    const DmaBuffer& cq_memory() const { return cq_; }

    // One entry always stays empty, so at most depth - 1 commands are outstanding.
    bool full() const { return free_ids_.empty(); }
    size_t outstanding() const { return static_cast<size_t>(depth_ - 1) - free_ids_.size(); }

    // The command id the next submit() will use (the queue must not be full).
    uint16_t next_id() const { return free_ids_.back(); }

    // Queues the command with a free command id, rings the doorbell and returns the id.
    uint16_t submit(Command command);

    // Hands every new completion to on_completion(const Completion&) and frees its command id.
    template <class OnCompletion>
    size_t reap(OnCompletion&& on_completion) {
        size_t n = 0;
        for (;;) {
            auto* entry = static_cast<volatile Completion*>(cq_.host) + cq_head_;
            if ((entry->status_phase & 1) != phase_) break;
            Completion completion;
            copy_entry(entry, completion);
            if (completion.command_id < depth_) release_id(completion.command_id);
            on_completion(completion);
            if (++cq_head_ == depth_) {
                cq_head_ = 0;
                phase_ ^= 1;
            }
            ++n;
        }
        if (n > 0) *cq_head_doorbell_ = cq_head_;
        return n;
    }

    // The id of an outstanding command submitted more than `timeout` ago, if any.
    std::optional<uint16_t> overdue(std::chrono::steady_clock::time_point now,
                                    std::chrono::milliseconds timeout) const;

private:
    static void copy_entry(volatile Completion* from, Completion& to);
    void release_id(uint16_t id);

    uint16_t id_;
    uint16_t depth_;
    DmaBuffer sq_;
    DmaBuffer cq_;
    volatile uint32_t* sq_tail_doorbell_;
    volatile uint32_t* cq_head_doorbell_;
    uint16_t sq_tail_ = 0;
    uint16_t cq_head_ = 0;
    uint16_t phase_ = 1;  // the controller writes phase 1 on its first pass over the zeroed queue
    std::vector<uint16_t> free_ids_;
    std::vector<bool> busy_;
    std::vector<std::chrono::steady_clock::time_point> submitted_at_;
};

}  // namespace sl::nvme
