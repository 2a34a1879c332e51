// The host's achievable read bandwidth: the roofline that CPU decode speed is judged against.
#pragma once

#include <cstdint>

namespace sl::cpu {

// Best of `repeats` timed passes reading `bytes` of (already touched) memory with n_threads threads;
// returns bytes per second.
double measure_read_bandwidth(uint64_t bytes, int n_threads, int repeats);

}  // namespace sl::cpu
