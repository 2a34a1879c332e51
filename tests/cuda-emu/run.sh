#!/usr/bin/env bash
# The CUDA decode attention kernel (native/src/cuda/attention_decode.cu) compiled for the host and run
# against a float64 reference, on a machine without a GPU (CI): a shim (inc/) makes each CUDA thread a
# fiber, __syncthreads and the warp shuffles barriers over them, and cp.async an immediate copy;
# blocks run one after another. It checks the kernel's logic (indexing, reductions, the new row's
# store, Q8_1 output, every group size and context length), not its races or speed: the GPU parity
# tests (test_cuda_attention, test_backend_ops) still decide. The kernel source is used as is but for
# its `extern __shared__` declarations, which become the shim's per-block dynamic shared memory.
# Usage: bash tests/cuda-emu/run.sh [--quick]   (x86-64 Linux, g++ with C++20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$root/target/cuda-emu}
mkdir -p "$out"
sed -E 's/extern __shared__ ([A-Za-z0-9_]+) ([A-Za-z0-9_]+)\[\];/\1* \2 = reinterpret_cast<\1*>(emu::dyn_smem());/' \
  "$root/native/src/cuda/attention_decode.cu" >"$out/attention_decode.cu"
if grep -q "extern __shared__" "$out/attention_decode.cu"; then
  echo "cuda-emu: an extern __shared__ declaration the shim does not convert" >&2
  exit 1
fi
flags=(-std=c++20 -O2 -fno-strict-aliasing -Wall -Wno-unknown-pragmas -Wno-maybe-uninitialized
  -I"$here/inc" -I"$root/native/src" -I"$root/native/include")
g++ "${flags[@]}" "$here/emu.cpp" "$here/test_attention_decode.cpp" "$root/native/src/core/status.cpp" -x c++ "$out/attention_decode.cu" \
  -o "$out/test_attention_decode" -lpthread
"$out/test_attention_decode" "$@"
