#include "cuda/weight_upload.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

#include "cuda/cuda_check.h"

namespace sl::cuda {
namespace {

constexpr uint64_t kAlign = 256;                  // every tensor starts at a 256-byte boundary
constexpr size_t kStagingBytes = size_t{64} << 20;  // per staging buffer

uint64_t aligned(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

class Staging {
public:
    Staging(int device, uint64_t& in_use)
        : buffers_{std::make_unique<DeviceMemory>(kStagingBytes, MemoryKind::kPinned, device, in_use),
                   std::make_unique<DeviceMemory>(kStagingBytes, MemoryKind::kPinned, device, in_use)} {
        for (cudaEvent_t& e : done_) SL_CUDA(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    }
    ~Staging() {
        for (cudaEvent_t e : done_) cudaEventDestroy(e);
    }

    // Copies host bytes to dst through the next free staging buffer.
    void copy(uint8_t* dst, const uint8_t* host, uint64_t bytes, cudaStream_t stream) {
        for (uint64_t done = 0; done < bytes;) {
            const size_t n = static_cast<size_t>(std::min<uint64_t>(kStagingBytes, bytes - done));
            SL_CUDA(cudaEventSynchronize(done_[next_]));
            std::memcpy(buffers_[next_]->data(), host + done, n);
            SL_CUDA(cudaMemcpyAsync(dst + done, buffers_[next_]->data(), n, cudaMemcpyHostToDevice, stream));
            SL_CUDA(cudaEventRecord(done_[next_], stream));
            next_ ^= 1;
            done += n;
        }
    }

private:
    std::unique_ptr<DeviceMemory> buffers_[2];
    cudaEvent_t done_[2] = {};
    int next_ = 0;
};

}  // namespace

std::unique_ptr<DeviceMemory> upload_weights(std::span<const WeightUpload> uploads, int device, cudaStream_t stream,
                                             uint64_t& in_use, uint64_t* progress) {
    uint64_t total = 0;
    for (const WeightUpload& u : uploads) total += aligned(u.bytes);
    require_free_vram(device, total, "the resident weights");
    auto memory = std::make_unique<DeviceMemory>(total, MemoryKind::kDevice, device, in_use);
    auto* base = static_cast<uint8_t*>(memory->data());
    {
        Staging staging(device, in_use);
        uint64_t at = 0, sent = 0;
        for (const WeightUpload& u : uploads) {
            staging.copy(base + at, u.host, u.bytes, stream);
            *u.target = base + at;
            at += aligned(u.bytes);
            sent += u.bytes;
            if (progress) std::atomic_ref<uint64_t>(*progress).store(sent, std::memory_order_relaxed);
        }
        SL_CUDA(cudaStreamSynchronize(stream));
    }
    return memory;
}

}  // namespace sl::cuda
