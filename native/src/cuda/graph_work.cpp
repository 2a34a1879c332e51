#include "cuda/graph_work.h"

#include "cuda/cuda_check.h"

namespace sl::cuda {

GraphWork::GraphWork(std::function<void()> work, cudaStream_t stream, std::function<void()> before_work)
    : work_(std::move(work)), stream_(stream), before_work_(std::move(before_work)) {}

GraphWork::~GraphWork() {
    if (exec_) cudaGraphExecDestroy(exec_);
}

void GraphWork::run() {
    if (runs_++ == 0) {
        before_work_();
        work_();
        return;
    }
    if (!exec_) capture();
    SL_CUDA(cudaGraphLaunch(exec_, stream_));
}

void GraphWork::capture() {
    before_work_();
    SL_CUDA(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
    cudaGraph_t graph = nullptr;
    try {
        work_();
    } catch (...) {
        cudaStreamEndCapture(stream_, &graph);  // leaves the stream usable again
        if (graph) cudaGraphDestroy(graph);
        throw;
    }
    SL_CUDA(cudaStreamEndCapture(stream_, &graph));
    const cudaError_t err = cudaGraphInstantiate(&exec_, graph, 0);
    cudaGraphDestroy(graph);
    SL_CUDA(err);
}

}  // namespace sl::cuda
