#include "model/split_matmul.h"

#include "core/status.h"

namespace sl::model {

SplitMatmul::SplitMatmul(Backend& device, Backend& cpu, int64_t max_width, int64_t max_host_rows)
    : device_(device),
      cpu_(cpu),
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
    device_.wait_host(*y_copied_);
    device_.wait_host(*x_copied_);
    auto* y_host = static_cast<float*>(y_host_->data());
    int64_t at = 0;
    for (const SplitProduct& p : products) {
        if (p.host.rows == 0) continue;
        if (at + p.host.rows > static_cast<int64_t>(y_host_->bytes() / sizeof(float)))
            raise(SL_ERR_INTERNAL, "split group computes more host rows than its buffers hold");
        cpu_.matmul(p.host, {x_host, 1, x.width}, {y_host + at, 1, p.host.rows});
        at += p.host.rows;
    }
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
