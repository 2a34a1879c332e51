// Every CUDA runtime call and kernel launch is checked: a failure becomes an sl::Error (status
// SL_ERR_BACKEND, or SL_ERR_OUT_OF_MEMORY for an allocation) whose message names the call and the
// CUDA error, so it reaches Java as an exception, never as a crash.
#pragma once

#include <cuda_runtime_api.h>

namespace sl::cuda {

// Raises unless err is cudaSuccess. `what` is the call as written.
void check(cudaError_t err, const char* what);
// Raises if the last kernel launch failed to start (bad configuration, no kernel image).
void check_launch(const char* kernel);

}  // namespace sl::cuda

#define SL_CUDA(call) ::sl::cuda::check((call), #call)
