#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device/ carried:
#   build the native library for sm_90, run the native tests (GPU tests included), then the
#   Java-side checks with the carried runtime, and print a short table last.
# Usage: bash scripts/gpu_check.sh            (prepare .device/ here first: scripts/prepare_device.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sluice-out}
mkdir -p "$OUT"
declare -a rows

step() { # name, command...: runs, logs to $OUT/<name>.log, records pass/fail
  local name=$1; shift
  local start=$SECONDS
  if "$@" >"$OUT/$name.log" 2>&1; then rows+=("$name|ok|$((SECONDS - start))s")
  else rows+=("$name|FAILED (see $name.log)|$((SECONDS - start))s"); tail -n 30 "$OUT/$name.log"; fi
}

expect_error() { # name, command...: passes when the command fails with an "error: ..." line
  local name=$1; shift
  if "$@" >"$OUT/$name.log" 2>&1; then rows+=("$name|FAILED (it succeeded)|-")
  elif grep -q '^error: ' "$OUT/$name.log"; then rows+=("$name|ok (refused cleanly)|-")
  else rows+=("$name|FAILED (no error line)|-"); tail -n 30 "$OUT/$name.log"; fi
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
tar -xJf .device/jre.tar.xz
JAVA=$PWD/.jre/bin/java

step native-build bash -c "cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 && cmake --build build-gpu"
step native-tests ctest --test-dir build-gpu --output-on-failure
step devices "$JAVA" -jar .device/sluice.jar devices
cat "$OUT/devices.log"
MODEL=tests/golden/models/tiny-llama3-Q4_K_M.gguf
if [ -f "$MODEL" ]; then
  step run-cpu "$JAVA" -jar .device/sluice.jar run -m "$MODEL" -p "Once upon a time" -n 16 --temp 0 --backend cpu
  # Until the CUDA forward pass exists, asking for it must be one clear error line, not a crash.
  expect_error cuda-refused "$JAVA" -jar .device/sluice.jar run -m "$MODEL" -p hi -n 1 --backend cuda
fi

printf '\n%-14s %-28s %s\n' step result time
for r in "${rows[@]}"; do IFS='|' read -r a b c <<<"$r"; printf '%-14s %-28s %s\n' "$a" "$b" "$c"; done
