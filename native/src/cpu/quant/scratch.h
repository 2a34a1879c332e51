// Per-thread scratch memory for the matmul kernels (a decoded weight row), reused across calls so
// the hot path never allocates. Not inline on purpose: the AVX2 files call it too, and a shared
// inline function compiled with -mavx2 could be picked by the linker for the scalar path.
#pragma once

#include <cstddef>

namespace sl::cpu {

enum class ScratchSlot { kRowValues, kRowScales, kRowMins, kSubBlockSums, kCount };

// At least `bytes` bytes, 64-byte aligned, owned by the calling thread; valid until its next call
// with the same slot. Raises SL_ERR_OUT_OF_MEMORY when it cannot grow.
void* thread_scratch(ScratchSlot slot, size_t bytes);

}  // namespace sl::cpu
