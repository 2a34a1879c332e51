// The CPU backend: weights read in place from the mapped file, activations in host RAM, every
// op split across a persistent thread pool (matmul by weight rows, attention by head and token).
#pragma once

#include <cstdint>
#include <memory>
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
    // Every weight is read from the mapped file: there is nothing to stream.
    bool runs_tier(sl_tier tier) const override { return tier == SL_TIER_RESIDENT; }
    std::unique_ptr<BackendBuffer> allocate(size_t n_floats) override;

    void embed(const WeightRef& table, const int32_t* tokens, Activations out) override;
    void rms_norm(Activations x, const WeightRef& weight, float eps, Activations out) override;
    void matmul(const WeightRef& w, Activations x, Activations y) override;
    void rope(Activations x, const RopeParams& params, int32_t pos0) override;
    void attention(const AttentionShape& shape, Activations q, Activations k, Activations v, const KvLayer& kv,
                   int32_t pos0, Activations out) override;
    void swiglu(Activations gate, Activations up, Activations out) override;
    void add(Activations dst, Activations src) override;
    void read(Activations x, float* host) override;

    int n_threads() const { return pool_.size(); }

private:
    // Runs fn(t0, t1) over the rows of a batch: inline when the work is too small to share.
    template <class Fn>
    void for_rows(const Activations& x, Fn&& fn);
    void matmul_q8(const WeightRef& w, Activations x, Activations y);

    bool activation_q8_;
    ThreadPool pool_;
    std::vector<std::vector<float>> attention_scores_;  // one per thread: a score per attended position
    std::vector<uint8_t> quantized_activations_;
};

}  // namespace sl::cpu
