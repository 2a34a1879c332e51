#!/usr/bin/env bash
# CUDA kernels compiled for the host and run against float64 references, on a machine without a GPU
# (CI): decode attention (native/src/cuda/attention_decode.cu, with the RoPE angle table of rope.cu)
# and the register matvec kernels (matvec_q4_k.cu, matvec_q6_k.cu, matvec_legacy.cu). A shim (inc/) makes each CUDA thread a
# fiber, __syncthreads and the warp shuffles barriers over them, and cp.async an immediate copy;
# blocks run one after another (a cluster's together). It checks the kernels' logic (indexing, reductions, the new row's
# store, Q8_1 output, every group size and context length; the block layouts, both activation forms,
# partial row blocks, multi-part launches), not their races or speed: the GPU parity tests
# (test_cuda_attention, test_backend_ops) still decide. The kernel sources are used as is but for
# their `extern __shared__` declarations, which become the shim's per-block dynamic shared memory.
# Usage: bash tests/cuda-emu/run.sh [--quick]   (x86-64 Linux, g++ with C++20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$root/target/cuda-emu}
cuda=$root/native/src/cuda
kernels=(attention_decode.cu rope.cu matvec_q4_k.cu matvec_q6_k.cu matvec_legacy.cu)

# Converted copies of the kernels and of every header of native/src/cuda (found before the originals
# on the include path; the shim's own cuda/cp_async.cuh comes first of all).
mkdir -p "$out/src/cuda"
for f in "${kernels[@]}" $(cd "$cuda" && ls *.cuh); do
  sed -E 's/extern __shared__ ([A-Za-z0-9_]+) ([A-Za-z0-9_]+)\[\];/\1* \2 = reinterpret_cast<\1*>(emu::dyn_smem());/' \
    "$cuda/$f" >"$out/src/cuda/$f"
done
if grep -l "extern __shared__" "$out/src/cuda"/*; then
  echo "cuda-emu: an extern __shared__ declaration the shim does not convert (files above)" >&2
  exit 1
fi

# Every translation unit at once (two cores: the kernels' compiles dominate), then the two links.
flags=(-std=c++20 -O2 -fno-strict-aliasing -Wall -Wno-unknown-pragmas -Wno-maybe-uninitialized
  -I"$here/inc" -I"$out/src" -I"$root/native/src" -I"$root/native/include")
srcs=("$here/emu.cpp" "$root/native/src/core/status.cpp" "$root/native/src/cpu/quant/unpack.cpp"
  "$here/test_attention_decode.cpp" "$here/test_matvec.cpp")
for k in "${kernels[@]}"; do srcs+=("$out/src/cuda/$k"); done
pids=()
for s in "${srcs[@]}"; do
  o=$out/$(basename "${s%.*}").o
  nice g++ "${flags[@]}" -c -x c++ "$s" -o "$o" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
common=("$out/emu.o" "$out/status.o")
g++ "${common[@]}" "$out/test_attention_decode.o" "$out/attention_decode.o" "$out/rope.o" -o "$out/test_attention_decode" \
  -lpthread
g++ "${common[@]}" "$out/unpack.o" "$out/test_matvec.o" "$out/matvec_q4_k.o" "$out/matvec_q6_k.o" \
  "$out/matvec_legacy.o" -o "$out/test_matvec" -lpthread

# Both tests run whatever the first gives; any failure fails the script.
rc=0
echo "== attention_decode (one launch in clusters up to 1024 positions of max_ctx, then 32-position chunks up to 2048, 64 beyond)"
"$out/test_attention_decode" "$@" || rc=1
echo "== attention_decode, two passes at every max_ctx (SLUICE_CUDA_ATTN_CLUSTER=0: 16-position chunks up to 1024)"
SLUICE_CUDA_ATTN_CLUSTER=0 "$out/test_attention_decode" --quick || rc=1
echo "== attention_decode, 64-position chunks at every max_ctx (SLUICE_CUDA_ATTN_CHUNK=64)"
SLUICE_CUDA_ATTN_CHUNK=64 "$out/test_attention_decode" --quick || rc=1
echo "== attention_decode, 32-position chunks at every max_ctx (SLUICE_CUDA_ATTN_CHUNK=32)"
SLUICE_CUDA_ATTN_CHUNK=32 "$out/test_attention_decode" --quick || rc=1
echo "== matvec (Q4_K, Q6_K, Q4_0, Q8_0)"
"$out/test_matvec" "$@" || rc=1
exit $rc
