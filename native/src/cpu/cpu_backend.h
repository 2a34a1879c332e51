// The CPU backend: weights read in place from the mapped file, activations in host RAM, every
// op split across a persistent thread pool (matmul by weight rows, attention by head and token).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/backend.h"
#include "cpu/thread_pool.h"

namespace sl::cpu {

struct CpuBackendOptions {
    int n_threads;       // 0: one per physical core
    bool activation_q8;  // quantize activations to 8 bits inside quantized matmuls
};

class CpuBackend final : public Backend {
public:
    explicit CpuBackend(const CpuBackendOptions& options);

    const char* name() const override { return "cpu"; }
    bool supports(sl_type type) const override;
    // Resident weights are read in place from the mapped file. Streamed tiers are copied into
    // host memory through the same pipeline as on the GPU: nothing gained, but it is how that
    // pipeline is checked against resident runs on machines without a GPU.
    bool runs_tier(sl_tier) const override { return true; }
    std::unique_ptr<BackendBuffer> allocate(size_t bytes, MemoryKind kind) override;
    sl_type kv_type() const override { return SL_TYPE_F32; }
    uint64_t memory_in_use() const override { return memory_in_use_; }
    // The weights stay where they are (the mapped file or the source's host buffer).
    void upload_weights(std::span<const WeightUpload> uploads, uint64_t* progress) override;
    void begin_window(const int32_t* tokens, int32_t n, int32_t pos0) override;

    void embed(const WeightRef& table, int64_t row0, Activations out) override;
    void rms_norm(Activations x, const WeightRef& weight, float eps, Activations out) override;
    void matmul(const WeightRef& w, Activations x, Activations y, bool accumulate) override;
    void attention(const AttentionShape& shape, const RopeParams& rope, Activations q, Activations k, Activations v,
                   const KvLayer& kv, int64_t row0, Activations out) override;
    void swiglu(Activations gate, Activations up, Activations out) override;
    void add(Activations dst, Activations src) override;
    void top_k(Activations x, int k, int32_t* ids, float* values) override;
    void read(Activations x, float* host) override;
    void write(Activations x, const float* host) override;
    std::unique_ptr<RecordedWork> record(std::function<void()> work) override;
    void synchronize() override {}
    // Every op finishes before it returns: copies are plain memcpy and fences are always reached.
    std::unique_ptr<Fence> make_fence() override { return std::make_unique<Fence>(); }
    void copy_in(void* dst, const void* pinned, size_t bytes, Queue) override;
    void copy_out(void* pinned, const void* src, size_t bytes) override;
    void signal(Fence&, Queue) override {}
    void wait(Fence&, Queue) override {}
    void wait_host(Fence&) override {}

    int n_threads() const { return pool_.size(); }

private:
    // Runs fn(t0, t1) over the rows of a batch: inline when the work is too small to share.
    template <class Fn>
    void for_rows(const Activations& x, Fn&& fn);
    void matmul_q8(const WeightRef& w, Activations x, Activations y);
    void rope_rows(Activations x, const RopeParams& params, int64_t row0);

    bool activation_q8_;
    uint64_t memory_in_use_ = 0;
    std::vector<int32_t> window_tokens_;
    int32_t window_pos0_ = 0;
    std::vector<float> product_;  // W * x before it is added, for matmul with accumulate
    std::vector<int32_t> top_k_order_;  // token ids being ranked by top_k
    ThreadPool pool_;
    std::vector<std::vector<float>> attention_scores_;  // one per thread: a score per attended position
    std::vector<uint8_t> quantized_activations_;
};

}  // namespace sl::cpu
