// The KV cache of one session: for every layer, n_ctx rows of keys and values in backend memory,
// and how many positions are filled. Positions past `used` are free and get overwritten.
#pragma once

#include <cstdint>
#include <memory>

#include "core/backend.h"

namespace sl::model {

class KvCache {
public:
    // Keys and values in the backend's KV type: n_layer * n_ctx * width values each.
    KvCache(Backend& backend, int32_t n_layer, int32_t n_ctx, int64_t width);

    KvLayer layer(int32_t index) const;
    int32_t used() const { return used_; }

    // Raises SL_ERR_CONTEXT_FULL when n_tokens more positions do not fit.
    void check_room(int64_t n_tokens) const;
    void advance(int32_t n_tokens) { used_ += n_tokens; }
    // Forgets every position >= n_past; raises SL_ERR_INVALID_ARGUMENT past the filled ones.
    void truncate(int32_t n_past);

private:
    sl_type type_;
    int32_t n_ctx_;
    int64_t width_;
    size_t value_bytes_;
    int32_t used_ = 0;
    std::unique_ptr<BackendBuffer> keys_;
    std::unique_ptr<BackendBuffer> values_;
};

}  // namespace sl::model
