#!/usr/bin/env bash
# SASS instructions per kernel of one CUDA source, without a GPU or a disassembler (neither cuobjdump
# nor nvdisasm is on the development machine): compiles the file to an sm_90 cubin with the project's
# own flags and prints each kernel's .text size / 16 (Hopper instructions are 16 bytes). For A/B of an
# inner-loop change: run it before and after. PTX counts mislead (ptxas rewrites a lot).
# Usage: scripts/sass_count.sh native/src/cuda/FILE.cu [grep filter on kernel names]
#   BUILD: a configured CUDA build directory (default build-cuda, from
#   cmake -S . -B build-cuda -G Ninja -DSLUICE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_BUILD_TYPE=Release)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(realpath "$1")
build=${BUILD:-build-cuda}
rel=${src#"$PWD"/}
cmd=$(ninja -C "$build" -t commands sluice_core | grep -F -- "-c $src " | head -n 1)
[ -n "$cmd" ] || { echo "no compile command for $rel in $build" >&2; exit 1; }
out=$(mktemp --suffix .cubin)
trap 'rm -f "$out"' EXIT
cmd=$(sed -E "s# -c $src -o [^ ]+# -cubin $src -o $out#; s#--generate-code=arch=compute_[0-9]+,code=\[[^]]*\]#-arch=sm_90#" <<<"$cmd")
(cd "$build" && eval "$cmd")
readelf -SW "$out" 2>/dev/null | grep -F " .text." | while read -r line; do
  name=$(grep -o '\.text\.[^ ]*' <<<"$line")
  size=$(awk '{for (i = 1; i <= NF; i++) if ($i == "PROGBITS") print $(i + 3)}' <<<"$line")
  printf '%6d  %s\n' $((16#$size / 16)) "${name#.text.}"
done | grep -E -- "${2:-.}" || true
