#include "model/kv_cache.h"

#include <cinttypes>
#include <cstdint>

#include "core/status.h"

namespace sl::model {

namespace {

size_t value_bytes(sl_type type) { return type == SL_TYPE_F16 ? 2 : 4; }

size_t cache_bytes(int32_t n_layer, int32_t n_ctx, int64_t width, sl_type type) {
    size_t values = 0;
    if (__builtin_mul_overflow(static_cast<size_t>(n_layer) * static_cast<size_t>(width), static_cast<size_t>(n_ctx),
                               &values) ||
        values > SIZE_MAX / (2 * sizeof(float)))
        raise(SL_ERR_OUT_OF_MEMORY, "a KV cache of %d positions does not fit in memory", n_ctx);
    return values * value_bytes(type);
}

}  // namespace

KvCache::KvCache(Backend& backend, int32_t n_layer, int32_t n_ctx, int64_t width)
    : type_(backend.kv_type()),
      n_ctx_(n_ctx),
      width_(width),
      value_bytes_(value_bytes(type_)),
      keys_(backend.allocate(cache_bytes(n_layer, n_ctx, width, type_))),
      values_(backend.allocate(cache_bytes(n_layer, n_ctx, width, type_))) {}

KvLayer KvCache::layer(int32_t index) const {
    const size_t offset = static_cast<size_t>(index) * n_ctx_ * width_ * value_bytes_;
    return KvLayer{static_cast<uint8_t*>(keys_->data()) + offset, static_cast<uint8_t*>(values_->data()) + offset,
                   type_, n_ctx_, width_};
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
