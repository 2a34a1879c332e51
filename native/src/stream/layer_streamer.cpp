#include "stream/layer_streamer.h"

#include <algorithm>

#include "core/status.h"
#include "stream/layer_read.h"

namespace sl::stream {
namespace {

// Pinned buffers tier-C layers are read into: one filling from storage while another is copied.
constexpr int kStagingBuffers = 2;

}  // namespace

LayerStreamer::LayerStreamer(Backend& backend, std::vector<StreamedLayer> order, io::TierReader* storage,
                             int device_slots, int timeout_ms)
    : backend_(backend), order_(std::move(order)), storage_(storage), timeout_ms_(timeout_ms) {
    if (order_.empty()) raise(SL_ERR_INTERNAL, "a layer streamer needs layers to stream");
    if (device_slots < 2) raise(SL_ERR_INVALID_ARGUMENT, "stream_slots = %d: the ring needs at least 2 slots", device_slots);
    uint64_t slot_bytes = 0, staged_bytes = 0;
    for (const StreamedLayer& l : order_) {
        slot_bytes = std::max(slot_bytes, l.layout->slot_bytes);
        if (!l.pinned) staged_bytes = std::max(staged_bytes, l.layout->slot_bytes);
    }
    if (staged_bytes > 0 && !storage_) raise(SL_ERR_INTERNAL, "tier-C layers to stream but no storage reader");
    const size_t n_slots = std::min(static_cast<size_t>(device_slots), order_.size());
    stays_ = n_slots == order_.size();
    for (size_t d = 0; d < n_slots; ++d) {
        slots_.push_back(backend_.allocate(slot_bytes));
        slot_copied_.push_back(backend_.make_fence());
        slot_free_.push_back(backend_.make_fence());
    }
    slot_partial_.assign(n_slots, 0);
    for (int h = 0; staged_bytes > 0 && h < kStagingBuffers; ++h) {
        staging_.push_back(backend_.allocate(staged_bytes, MemoryKind::kPinned));
        staging_free_.push_back(backend_.make_fence());
        storage_->register_buffer(staging_.back()->data(), staged_bytes);
    }
    start(0);
}

LayerStreamer::~LayerStreamer() {
    stop();
    for (auto& buffer : staging_) storage_->unregister_buffer(buffer->data());
}

void LayerStreamer::start(uint64_t first) {
    first_ = issued_ = released_ = first;
    holding_ = stopping_ = failed_ = false;
    worker_ = std::thread([this, first] { work(first); });
}

// Joins the worker and waits for every copy it queued and every compute that reads a slot, so the
// pipeline can start again from any layer.
void LayerStreamer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (worker_.joinable()) worker_.join();
    try {
        for (auto& fence : slot_copied_) backend_.wait_host(*fence);
        backend_.synchronize();
    } catch (const Error&) {
        // A failed device has nothing left to wait for; the error reaches the caller from its own op.
    }
}

void LayerStreamer::work(uint64_t first) {
    uint64_t k = first;
    size_t h = 0;
    try {
        for (; copies(k); ++k) {
            const StreamedLayer& l = order_[k % order_.size()];
            const size_t d = k % slots_.size();
            const uint8_t* src = l.pinned;
            if (!src) {
                backend_.wait_host(*staging_free_[h]);
                auto* staged = static_cast<uint8_t*>(staging_[h]->data());
                read_layer(*storage_, *l.layout, l.layer, staged, timeout_ms_);
                src = staged;
            }
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] { return stopping_ || released_ + slots_.size() > k; });
                if (stopping_) return;
            }
            backend_.wait(*slot_free_[d], Queue::kTransfer);
            const SlotSpan whole{0, l.layout->slot_bytes};
            copy(d, src, l.partial.empty() ? std::span(&whole, 1) : std::span<const SlotSpan>(l.partial));
            slot_partial_[d] = !l.partial.empty();
            backend_.signal(*slot_copied_[d], Queue::kTransfer);
            if (!l.pinned) {
                backend_.signal(*staging_free_[h], Queue::kTransfer);
                h = (h + 1) % staging_.size();
            }
            {
                std::lock_guard lock(mutex_);
                issued_ = k + 1;
            }
            changed_.notify_all();
        }
        std::lock_guard lock(mutex_);
        issued_ = UINT64_MAX;  // every layer stays in its slot: nothing more to copy
    } catch (const Error& e) {
        std::lock_guard lock(mutex_);
        failed_ = true;
        error_status_ = e.status();
        error_ = e.what();
    } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        failed_ = true;
        error_status_ = SL_ERR_INTERNAL;
        error_ = e.what();
    }
    changed_.notify_all();
}

void LayerStreamer::copy(size_t d, const uint8_t* src, std::span<const SlotSpan> spans) {
    auto* slot = static_cast<uint8_t*>(slots_[d]->data());
    for (const SlotSpan& s : spans) {
        if (s.bytes == 0) continue;
        backend_.copy_in(slot + s.offset, src + s.offset, s.bytes, Queue::kTransfer);
        copied_bytes_.fetch_add(s.bytes, std::memory_order_relaxed);
    }
}

const uint8_t* LayerStreamer::acquire(size_t i, bool whole) {
    std::unique_lock lock(mutex_);
    if (holding_ || released_ % order_.size() != i || (failed_ && issued_ <= released_)) {
        lock.unlock();
        stop();
        lock.lock();
        start(i);
    }
    const uint64_t k = released_;
    changed_.wait(lock, [&] { return issued_ > k || failed_; });
    if (issued_ <= k) {
        // The worker failed on this item: fail this pass; the next acquire restarts the pipeline.
        const std::string why = error_;
        const sl_status status = error_status_;
        lock.unlock();
        raise(status, "streaming layer %d: %s", order_[i].layer, why.c_str());
    }
    holding_ = true;
    lock.unlock();
    const size_t d = k % slots_.size();
    if (whole && slot_partial_[d]) {
        // After the partial copy on the same queue, so after the slot's previous layer is done too.
        copy(d, order_[i].pinned, order_[i].rest);
        slot_partial_[d] = 0;
        backend_.signal(*slot_copied_[d], Queue::kTransfer);
    }
    backend_.wait(*slot_copied_[d], Queue::kCompute);
    return static_cast<const uint8_t*>(slots_[d]->data());
}

void LayerStreamer::release(size_t i) {
    const uint64_t k = released_;
    if (!holding_ || k % order_.size() != i) raise(SL_ERR_INTERNAL, "streamed layer %zu released without its acquire", i);
    backend_.signal(*slot_free_[k % slots_.size()], Queue::kCompute);
    {
        std::lock_guard lock(mutex_);
        holding_ = false;
        released_ = k + 1;
    }
    changed_.notify_all();
}

}  // namespace sl::stream
