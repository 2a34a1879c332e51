// How fast the CPU backend's 8-bit decode kernels stream weights of one type from RAM: the rate a
// split layer's CPU share runs at, which the tier planner balances against PCIe.
#pragma once

#include <cstdint>

#include "sluice/sluice.h"

namespace sl::cpu {

// Best of `repeats` single-token matmuls over `bytes` of `type` weights in anonymous host memory
// (as tier B's pinned copies are), activations quantized to 8 bits, n_threads threads; returns
// weight bytes per second. Raises SL_ERR_INVALID_ARGUMENT for a type the kernels do not take.
double measure_matmul_bandwidth(sl_type type, uint64_t bytes, int n_threads, int repeats);

}  // namespace sl::cpu
