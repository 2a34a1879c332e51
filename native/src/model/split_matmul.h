// The matmuls of a split layer for one token: each matrix's first rows run on the model's backend
// (the GPU) from the streamed part of the layer, the rest on a CPU backend from the layer's pinned
// copy in RAM, at the same time; the pieces meet in the output on the device. The input crosses
// to the host once per group of matrices that read it (Q/K/V, gate/up).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "core/backend.h"

namespace sl::model {

// One product of a group: y = W x, or y += W x.
struct SplitProduct {
    WeightRef gpu;   // W's first rows, where the model's backend reads them
    WeightRef host;  // W's remaining rows, in host memory the CPU backend reads
    Activations y;   // all of W's rows: the CPU's land after the GPU's
    bool accumulate;
};

// Where the split passes spent their time, summed over every token since the model was loaded:
// what shows whether the CPU's share or the waits for the device bound a split layer.
struct SplitTime {
    std::atomic<uint64_t> cpu_bytes{0};  // weight bytes the CPU's rows read
    std::atomic<int64_t> cpu_ns{0};      // spent computing them
    std::atomic<int64_t> wait_ns{0};     // spent waiting for the input to reach the host
};

class SplitMatmul {
public:
    // max_width: the widest input; max_host_rows: the most rows the CPU computes for one group.
    SplitMatmul(Backend& device, Backend& cpu, int64_t max_width, int64_t max_host_rows, SplitTime& time);

    // The products of one input x (a single token) in backend memory.
    void run(Activations x, std::span<const SplitProduct> products);

private:
    Backend& device_;
    Backend& cpu_;
    SplitTime& time_;
    std::unique_ptr<BackendBuffer> x_host_, y_host_, y_scratch_;
    std::unique_ptr<Fence> x_copied_, y_copied_;
};

}  // namespace sl::model
