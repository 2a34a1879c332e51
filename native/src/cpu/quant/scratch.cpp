#include "cpu/quant/scratch.h"

#include <cstdlib>

#include "core/status.h"

namespace sl::cpu {
namespace {

struct Buffer {
    void* data = nullptr;
    size_t size = 0;
    ~Buffer() { std::free(data); }
};

thread_local Buffer buffers[size_t(ScratchSlot::kCount)];

}  // namespace

void* thread_scratch(ScratchSlot slot, size_t bytes) {
    Buffer& buffer = buffers[size_t(slot)];
    if (buffer.size >= bytes && buffer.data) return buffer.data;
    const size_t rounded = (bytes + 63) / 64 * 64;
    void* grown = std::aligned_alloc(64, rounded > 0 ? rounded : 64);
    if (!grown) raise(SL_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of matmul scratch memory", rounded);
    std::free(buffer.data);
    buffer.data = grown;
    buffer.size = rounded;
    return grown;
}

}  // namespace sl::cpu
