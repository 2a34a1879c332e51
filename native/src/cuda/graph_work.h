// A recorded decode step as a CUDA graph: the first run issues the work directly (sizing every
// scratch buffer), the second captures it into a graph, later runs replay the graph: one launch
// for the whole step instead of hundreds.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>

#include "core/backend.h"

namespace sl::cuda {

class GraphWork final : public RecordedWork {
public:
    // before_work runs on the host before each direct run or capture (resets host-side caches so
    // that what is captured does not depend on what ran before).
    GraphWork(std::function<void()> work, cudaStream_t stream, std::function<void()> before_work);
    ~GraphWork() override;
    GraphWork(const GraphWork&) = delete;
    GraphWork& operator=(const GraphWork&) = delete;

    void run() override;

private:
    void capture();

    std::function<void()> work_;
    cudaStream_t stream_;
    std::function<void()> before_work_;
    int runs_ = 0;
    cudaGraphExec_t exec_ = nullptr;
};

}  // namespace sl::cuda
