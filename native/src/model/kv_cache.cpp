#include "model/kv_cache.h"

#include <cinttypes>
#include <cstdint>

#include "core/status.h"

namespace sl::model {

namespace {

size_t cache_floats(int32_t n_layer, int32_t n_ctx, int64_t width) {
    size_t floats = 0;
    if (__builtin_mul_overflow(static_cast<size_t>(n_layer) * static_cast<size_t>(width), static_cast<size_t>(n_ctx),
                               &floats) ||
        floats > SIZE_MAX / (2 * sizeof(float)))
        raise(SL_ERR_OUT_OF_MEMORY, "a KV cache of %d positions does not fit in memory", n_ctx);
    return floats;
}

}  // namespace

KvCache::KvCache(Backend& backend, int32_t n_layer, int32_t n_ctx, int64_t width)
    : n_ctx_(n_ctx),
      width_(width),
      keys_(backend.allocate(cache_floats(n_layer, n_ctx, width))),
      values_(backend.allocate(cache_floats(n_layer, n_ctx, width))) {}

KvLayer KvCache::layer(int32_t index) const {
    const size_t offset = static_cast<size_t>(index) * n_ctx_ * width_;
    return KvLayer{keys_->data() + offset, values_->data() + offset, n_ctx_, width_};
}

void KvCache::check_room(int64_t n_tokens) const {
    if (n_tokens > n_ctx_ - used_)
        raise(SL_ERR_CONTEXT_FULL,
              "the context is full: the session holds %d of %d positions and %" PRId64
              " more tokens do not fit; truncate the session or create one with a larger n_ctx",
              used_, n_ctx_, n_tokens);
}

void KvCache::truncate(int32_t n_past) {
    if (n_past < 0 || n_past > used_)
        raise(SL_ERR_INVALID_ARGUMENT, "truncate to %d positions: the session holds %d", n_past, used_);
    used_ = n_past;
}

}  // namespace sl::model
