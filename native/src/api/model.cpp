// sl_model_load / sl_model_free: check the call, pick the backend, hand over to model::Model.
#include <memory>
#include <span>

#include "core/status.h"
#include "cpu/cpu_backend.h"
#include "model/model.h"
#include "sluice/sluice.h"

namespace {

std::unique_ptr<sl::Backend> make_backend(const sl_model_params& params) {
    if (params.backend == SL_BACKEND_CUDA)
        sl::raise(SL_ERR_UNSUPPORTED, "the CUDA backend cannot run models yet; load with backend = SL_BACKEND_CPU");
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
        std::unique_ptr<sl::Backend> backend = make_backend(*params);
        *model = new sl_model(params->path, *hparams, std::span(tensors, static_cast<size_t>(n_tensors)),
                              params->layer_tier, std::move(backend));
        return SL_OK;
    });
}

void sl_model_free(sl_model* model) { delete model; }

}  // extern "C"
