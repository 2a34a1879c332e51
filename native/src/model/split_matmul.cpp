#include "model/split_matmul.h"

#include <chrono>

#include "core/status.h"
#include "formats/types.h"

namespace sl::model {

namespace {

int64_t nanoseconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

}  // namespace

SplitMatmul::SplitMatmul(Backend& device, Backend& cpu, int64_t max_width, int64_t max_host_rows, SplitTime& time)
    : device_(device),
      cpu_(cpu),
      time_(time),
      x_host_(device.allocate(static_cast<size_t>(max_width) * sizeof(float), MemoryKind::kPinned)),
      y_host_(device.allocate(static_cast<size_t>(max_host_rows) * sizeof(float), MemoryKind::kPinned)),
      y_scratch_(device.allocate(static_cast<size_t>(max_host_rows) * sizeof(float))),
      x_copied_(device.make_fence()),
      y_copied_(device.make_fence()) {}

void SplitMatmul::run(Activations x, std::span<const SplitProduct> products) {
    if (x.n_tok != 1) raise(SL_ERR_INTERNAL, "split matmuls take one token, not %lld", static_cast<long long>(x.n_tok));
    auto* x_host = static_cast<float*>(x_host_->data());
    device_.copy_out(x_host, x.data, static_cast<size_t>(x.width) * sizeof(float));
    device_.signal(*x_copied_, Queue::kCompute);
    for (const SplitProduct& p : products) device_.matmul(p.gpu, x, p.y, p.accumulate);

    // The host rows of the last group may still be on their way to the device.
    const auto waiting = std::chrono::steady_clock::now();
    device_.wait_host(*y_copied_);
    device_.wait_host(*x_copied_);
    const auto computing = std::chrono::steady_clock::now();
    auto* y_host = static_cast<float*>(y_host_->data());
    int64_t at = 0;
    uint64_t bytes = 0;
    for (const SplitProduct& p : products) {
        if (p.host.rows == 0) continue;
        if (at + p.host.rows > static_cast<int64_t>(y_host_->bytes() / sizeof(float)))
            raise(SL_ERR_INTERNAL, "split group computes more host rows than its buffers hold");
        cpu_.matmul(p.host, {x_host, 1, x.width}, {y_host + at, 1, p.host.rows});
        at += p.host.rows;
        bytes += row_bytes(p.host.type, p.host.cols) * static_cast<uint64_t>(p.host.rows);
    }
    const auto computed = std::chrono::steady_clock::now();
    time_.wait_ns += nanoseconds(computing - waiting);
    time_.cpu_ns += nanoseconds(computed - computing);
    time_.cpu_bytes += bytes;
    at = 0;
    auto* scratch = static_cast<float*>(y_scratch_->data());
    for (const SplitProduct& p : products) {
        if (p.host.rows == 0) continue;
        const size_t bytes = static_cast<size_t>(p.host.rows) * sizeof(float);
        float* rows = p.y.data + p.gpu.rows;
        if (p.accumulate) {
            device_.copy_in(scratch + at, y_host + at, bytes, Queue::kCompute);
            device_.add({rows, 1, p.host.rows}, {scratch + at, 1, p.host.rows});
        } else {
            device_.copy_in(rows, y_host + at, bytes, Queue::kCompute);
        }
        at += p.host.rows;
    }
    device_.signal(*y_copied_, Queue::kCompute);
}

}  // namespace sl::model
