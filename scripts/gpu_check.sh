#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device/ carried:
# builds the native library for sm_90, runs the native tests (the CUDA parity tests included) and the
# JUnit tests tagged gpu (on the golden subset in tests/golden, which travels with the tree), then the benchmarks named in $BENCH (default: none), and prints a table last.
# Usage: BENCH="q4_k_m q8_0" bash scripts/gpu_check.sh   (prepare .device/ here first: scripts/prepare_device.sh)
#   BENCH entries: a synth type (q4_k_m q4_0 q6_k q8_0 f16 bf16) for llama-3.1-8b, "kernels" for the kernel
#   benchmark, "depth" for 8B Q4_K_M decode at 8k context, "stream8b" for the 8B resident and streamed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sluice-out}
mkdir -p "$OUT"
declare -a rows

step() { # name, command...: runs, logs to $OUT/<name>.log, records pass/fail
  local name=$1; shift
  local start=$SECONDS
  if "$@" >"$OUT/$name.log" 2>&1; then rows+=("$name|ok|$((SECONDS - start))s")
  else rows+=("$name|FAILED (see $name.log)|$((SECONDS - start))s"); tail -n 40 "$OUT/$name.log"; fi
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
tar -xJf .device/jre.tar.xz
[ -f .device/test-classes.tar.xz ] && tar -xJf .device/test-classes.tar.xz -C .device
JAVA=$PWD/.jre/bin/java
SLUICE=("$JAVA" -jar .device/sluice.jar)

step native-build bash -c "cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 && cmake --build build-gpu && cmake --build build-gpu --target sluice_bench_cuda_kernels sluice_bench_cuda_matvec"
step native-tests ctest --test-dir build-gpu --output-on-failure -j 4
grep -hE "^  |cuda backend|: [0-9]+ checks" build-gpu/Testing/Temporary/LastTest.log > "$OUT/parity.txt" 2>/dev/null
step devices "${SLUICE[@]}" devices
cat "$OUT/devices.log"
if [ -d .device/test-classes ]; then
  step junit-gpu "$JAVA" -jar .device/junit-console.jar execute \
    --class-path .device/test-classes:.device/sluice.jar --include-tag gpu --scan-class-path .device/test-classes \
    --details tree --disable-banner
fi
step run-cuda "${SLUICE[@]}" run -m tests/golden/models/tiny-llama3-Q4_K_M.gguf -p "Once upon a time" -n 16 --temp 0 \
  --backend cuda

bench_8b() { # type: synth the 8B shape, bench it on CUDA (and llama.cpp figures are in the brief), delete it
  local type=$1 f=/tmp/8b-$1.gguf
  "${SLUICE[@]}" synth --shape llama-3.1-8b --type "$type" -o "$f" >/dev/null 2>&1 || return 1
  echo "# 8b $type" >>"$OUT/bench.jsonl"
  "${SLUICE[@]}" bench -m "$f" --backend cuda -p 512 -n 128 --json | tee -a "$OUT/bench.jsonl"
  [ "$type" = q4_k_m ] && [ "${DEPTH:-}" != 0 ] && echo "# 8b $type at depth 8192" >>"$OUT/bench.jsonl" && \
    "${SLUICE[@]}" bench -m "$f" --backend cuda -c 8704 -p 0 -n 128 -d 8192 --json | tee -a "$OUT/bench.jsonl"
  rm -f "$f"
}
bench_json() { # name, bench args...: one line of bench.jsonl under a name
  local name=$1; shift
  echo "# $name" >>"$OUT/bench.jsonl"
  "${SLUICE[@]}" bench --backend cuda --json "$@" | tee -a "$OUT/bench.jsonl"
}
bench_stream_8b() { # the 8B Q4_K_M resident, under a 24G budget (fits: must equal resident), and streamed
  local f=/tmp/8b-stream.gguf
  "${SLUICE[@]}" synth --shape llama-3.1-8b --type q4_k_m -o "$f" >/dev/null 2>&1 || return 1
  bench_json "8b resident" -m "$f" -p 512 -n 64 &&
  bench_json "8b --vram-budget 24G" -m "$f" -p 512 -n 64 --vram-budget 24G &&
  bench_json "8b A+B (3G VRAM)" -m "$f" -p 512 -n 32 --vram-budget 3G &&
  for path in pread uring mmap; do
    bench_json "8b A+B+C $path (3G VRAM, 2G RAM)" -m "$f" -p 0 -n 4 --vram-budget 3G --ram-budget 2G --stream-path $path || return 1
  done
  rm -f "$f"
}
for b in ${BENCH:-}; do
  case $b in
    stream8b) step bench-stream8b bench_stream_8b ;;
    kernels) step bench-kernels build-gpu/native/bench/sluice_bench_cuda_kernels 50
             step bench-matvec build-gpu/native/bench/sluice_bench_cuda_matvec 1 50 ;;
    *) step "bench-$b" bench_8b "$b" ;;
  esac
done
for f in "$OUT"/bench-kernels.log "$OUT"/bench-matvec.log; do [ -f "$f" ] && tail -n 40 "$f"; done

printf '\n%-16s %-28s %s\n' step result time
for r in "${rows[@]}"; do IFS='|' read -r a b c <<<"$r"; printf '%-16s %-28s %s\n' "$a" "$b" "$c"; done
if [ -f "$OUT/bench.jsonl" ]; then
  printf '\n%-26s %6s %9s %9s %9s %7s %8s %9s\n' model pp tok/s tg tok/s native GB/s roofl VRAM
  python3 - "$OUT/bench.jsonl" <<'PY'
import json, sys
name = "?"
for line in open(sys.argv[1]):
    if line.startswith("#"):
        name = line[1:].strip()
        continue
    r = json.loads(line)
    print(f"{name:<26} {r['pp_tokens']:6} {r['pp_tok_s']:9.0f} {r['tg_tok_s']:9.1f} {r['tg_native_tok_s']:9.1f} "
          f"{r['gb_s']:7.0f} {100*r['roofline_fraction']:7.1f}% {r['memory_bytes']/2**30:8.2f}G  "
          f"(bytes/token {r['bytes_per_token']/2**30:.2f} GiB, bound {r['bound_gb_s']:.0f} GB/s)")
    if r.get("stream_bound_tok_s"):
        b = r["stream_bound_tok_s"]
        print(f"{'':<26} streamed {r['tg_streamed_bytes']/2**30:.2f} GiB/token, stream bound {b:.2f} tok/s "
              f"({100*r['tg_tok_s']/b:.0f}% reached), plan {r['predicted_tok_s'] or 0:.2f} tok/s "
              f"({r['bottleneck']}), pp crossings/layer {r['pp_layer_crossings']:.2f}")
PY
fi
