// The SLEP pipeline: streamed layers pass through a ring of device slots. A worker thread walks the
// streamed layers in order, cycling from the last back to the first (so the next token's first
// layers are in flight while this token's last ones compute and Java samples): it reads a tier-C
// layer from storage into a pinned staging buffer, waits until the slot's previous layer has been
// handed back, and queues the copy on the backend's transfer queue. The compute queue waits for a
// slot's copy by a fence; the host never waits for the GPU on this path, only for the worker to
// have queued the copy.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/backend.h"
#include "io/tier_reader.h"
#include "stream/layer_layout.h"

namespace sl::stream {

// Bytes [offset, offset + bytes) of a slot (and of the pinned copy laid out as it).
struct SlotSpan {
    uint64_t offset = 0;
    uint64_t bytes = 0;
};

struct StreamedLayer {
    int32_t layer = 0;                    // the model's layer index, for messages
    const LayerLayout* layout = nullptr;  // outlives the streamer
    const uint8_t* pinned = nullptr;      // tier B: its pinned copy; null: tier C, read from storage each pass
    // A split layer (tier B): what a pass copies by default (the GPU's rows of each matrix), and what
    // a pass that needs the whole layer copies on top. Empty: the whole slot, always.
    std::vector<SlotSpan> partial, rest;
};

class LayerStreamer {
public:
    // `order`: the streamed layers in the order every forward pass uses them. `storage` reads the
    // tier-C layers (may be null when there are none); only the worker uses it once running.
    LayerStreamer(Backend& backend, std::vector<StreamedLayer> order, io::TierReader* storage, int device_slots,
                  int timeout_ms);
    ~LayerStreamer();
    LayerStreamer(const LayerStreamer&) = delete;
    LayerStreamer& operator=(const LayerStreamer&) = delete;

    // The slot holding order[i] for the compute that follows (the compute queue waits for its copy);
    // `whole`: a split layer's rest is copied too. Passes use the layers in order, each acquire
    // followed by its release; any other use (after an error) restarts the pipeline at i. Raises
    // the worker's error for this layer, if it failed.
    const uint8_t* acquire(size_t i, bool whole = true);
    // The compute queue is done with order[i] once the work issued so far has run: its slot may refill.
    void release(size_t i);

    // Bytes copied into device slots so far (how often layers crossed PCIe, for the benchmarks).
    uint64_t copied_bytes() const { return copied_bytes_.load(std::memory_order_relaxed); }

private:
    void start(uint64_t first);
    void stop();
    void work(uint64_t first);
    // Queues the copies of `spans` of src into slot d on the transfer queue.
    void copy(size_t d, const uint8_t* src, std::span<const SlotSpan> spans);
    // Whether item k of the cycle needs a copy: not when every streamed layer has a slot of its own
    // and the first pass put it there.
    bool copies(uint64_t k) const { return !stays_ || k < first_ + order_.size(); }

    Backend& backend_;
    std::vector<StreamedLayer> order_;
    io::TierReader* storage_;
    int timeout_ms_;
    bool stays_ = false;  // as many slots as streamed layers
    std::vector<std::unique_ptr<BackendBuffer>> slots_, staging_;
    std::vector<std::unique_ptr<Fence>> slot_copied_, slot_free_, staging_free_;
    std::vector<char> slot_partial_;  // the slot holds only a split layer's GPU rows

    std::mutex mutex_;
    std::condition_variable changed_;
    uint64_t first_ = 0;     // the cycle item the worker started at
    uint64_t issued_ = 0;    // items [first_, issued_) have their copy queued
    uint64_t released_ = 0;  // items before this were handed back; the next acquire is for this one
    bool holding_ = false;   // acquired and not yet released
    bool stopping_ = false;
    bool failed_ = false;
    sl_status error_status_ = SL_OK;
    std::string error_;
    std::atomic<uint64_t> copied_bytes_{0};
    std::thread worker_;
};

}  // namespace sl::stream
