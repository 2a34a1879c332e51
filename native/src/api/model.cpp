// sl_model_load / sl_model_free: check the call, pick the backend and the weight source, hand over
// to model::Model.
#include <memory>
#include <span>

#include "core/status.h"
#include "cpu/cpu_backend.h"
#ifdef SLUICE_WITH_CUDA
#include "cuda/cuda_backend.h"
#endif
#include "io/nvme/nvme_weight_source.h"
#include "io/weight_source.h"
#include "model/model.h"
#include "sluice/sluice.h"

namespace {

std::unique_ptr<sl::Backend> make_backend(const sl_model_params& params) {
    if (params.backend == SL_BACKEND_CUDA) {
#ifdef SLUICE_WITH_CUDA
        return sl::cuda::make_cuda_backend(params.device);
#else
        sl::raise(SL_ERR_UNSUPPORTED, "this build of Sluice has no CUDA backend (nvcc was not found when it was built)");
#endif
    }
    if (params.backend != SL_BACKEND_CPU)
        sl::raise(SL_ERR_INVALID_ARGUMENT, "sl_model_params.backend = %d is not an sl_backend", params.backend);
    if (params.device != 0)
        sl::raise(SL_ERR_INVALID_ARGUMENT, "sl_model_params.device = %d: the CPU backend has only device 0",
                  params.device);
    if (params.n_threads < 0)
        sl::raise(SL_ERR_INVALID_ARGUMENT, "sl_model_params.n_threads = %d: use 0 for one thread per core",
                  params.n_threads);
    return std::make_unique<sl::cpu::CpuBackend>(
        sl::cpu::CpuBackendOptions{params.n_threads, params.activation_q8 != 0});
}

// The CPU backend that computes split layers' shares, when any layer has one. Beside a GPU it
// quantizes activations to 8 bits, as the GPU's own decode kernels do.
std::unique_ptr<sl::Backend> split_backend(const sl_model_params& params, int32_t n_layer) {
    bool any = false;
    for (int32_t il = 0; params.layer_cpu_share && il < n_layer; ++il) any |= params.layer_cpu_share[il] != 0.0f;
    if (!any) return nullptr;
    const bool q8 = params.backend == SL_BACKEND_CUDA || params.activation_q8 != 0;
    return std::make_unique<sl::cpu::CpuBackend>(sl::cpu::CpuBackendOptions{params.split_threads, q8});
}

// The mapped file, or the NVMe drive the caller named, with the driver's defaults otherwise.
std::unique_ptr<sl::io::WeightSource> open_weight_source(const sl_model_params& params) {
    if (!params.nvme_bdf) return sl::io::make_mapped_weight_source(params.path);
    sl_nvme_options options;
    sl_nvme_options_init(&options);
    options.iommu = params.nvme_iommu;
    options.dma_window_phys = params.nvme_dma_window_phys;
    options.dma_window_bytes = params.nvme_dma_window_bytes;
    return sl::nvme::make_nvme_weight_source(params.path, params.nvme_bdf, params.nvme_lba, options);
}

}  // namespace

extern "C" {

sl_status sl_model_load(const sl_model_params* params, const sl_hparams* hparams, const sl_tensor_desc* tensors,
                        int32_t n_tensors, sl_model** model) {
    return sl::guarded([&] {
        if (!model) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_model_load: model is NULL");
        *model = nullptr;
        if (!params || !hparams || (!tensors && n_tensors > 0))
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_model_load: params, hparams or tensors is NULL");
        if (!params->path) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_model_load: params->path is NULL");
        if (n_tensors < 0) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_model_load: n_tensors = %d", n_tensors);
        if (params->stream_slots < 0)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_model_load: stream_slots = %d (0: the default)", params->stream_slots);
        std::unique_ptr<sl::Backend> backend = make_backend(*params);
        if (params->split_threads < 0)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_model_load: split_threads = %d (0: one per core)", params->split_threads);
        sl::model::StreamOptions stream{static_cast<sl_stream_path>(params->stream_path),
                                        params->stream_slots > 0 ? params->stream_slots : 2, params->layer_cpu_share,
                                        split_backend(*params, hparams->n_layer)};
        *model = new sl_model(open_weight_source(*params), *hparams, std::span(tensors, static_cast<size_t>(n_tensors)),
                              params->layer_tier, std::move(backend), std::move(stream), params->load_progress);
        return SL_OK;
    });
}

void sl_model_free(sl_model* model) { delete model; }

uint64_t sl_model_memory_in_use(const sl_model* model) { return model ? model->backend().memory_in_use() : 0; }

uint64_t sl_model_streamed_bytes(const sl_model* model) { return model ? model->streamed_bytes() : 0; }

void sl_model_split_time(const sl_model* model, uint64_t* cpu_bytes, double* cpu_seconds, double* wait_seconds) {
    const sl::model::SplitTime* time = model ? &model->split_time() : nullptr;
    if (cpu_bytes) *cpu_bytes = time ? time->cpu_bytes.load() : 0;
    if (cpu_seconds) *cpu_seconds = time ? static_cast<double>(time->cpu_ns.load()) * 1e-9 : 0;
    if (wait_seconds) *wait_seconds = time ? static_cast<double>(time->wait_ns.load()) * 1e-9 : 0;
}

}  // extern "C"
