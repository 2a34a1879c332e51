#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device/ carried: what the split
# placement of issue 9 rests on, in one short call. The host's CPU (lscpu), its RAM read rate and the CPU
# backend's 8-bit kernels streaming each weight type (the planner's cpu_matmul rate) at several thread
# counts; CPU decode of an 8B Q4_K_M (`sluice bench --backend cpu --q8-activations`) beside llama.cpp's
# (java-llama.cpp, when scripts/llamacpp_cpu/prepare.sh put it in .device/llamacpp); then the 8B streamed
# under a 3 GiB VRAM budget with and without the split, each with the CPU share's time per token.
# The 8B body carries the 32000-token vocabulary of tests/golden (llama.cpp needs a real one to print
# tokens), so its output matrix is smaller than Llama 3's; the comparison is per byte.
# Usage: THREADS="8 14 16" bash scripts/gpu_split.sh   (prepare .device/ here first: scripts/prepare_device.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sluice-out}
THREADS=${THREADS:-8 14 16}
mkdir -p "$OUT"
lscpu | grep -E "^(Model name|CPU\(s\)|Thread|Core|Socket|L3|NUMA node\(s\)|Flags)" | cut -c1-200 | tee "$OUT/cpu.txt"
tar -xJf .device/jre.tar.xz
SLUICE=("$PWD/.jre/bin/java" -jar .device/sluice.jar)
M8=/tmp/8b-q4_k_m.gguf
( "${SLUICE[@]}" synth --layers 32 --embd 4096 --ff 14336 --heads 32 --kv-heads 8 --vocab 32000 \
    --vocab-from tests/golden/tokenizer/llama-spm-vocab.gguf --type q4_k_m -o "$M8" >"$OUT/synth8b.log" 2>&1 ) &
synth=$!

# The kernels' rates, natively, while the 8B is written (its writer is mostly idle on I/O).
python3 - "$THREADS" <<'PY' | tee "$OUT/cpu_rates.txt"
import ctypes, sys, zipfile
zipfile.ZipFile(".device/sluice.jar").extract("dev/sluice/nativeapi/linux-x86_64/libsluice.so", "/tmp/lib")
lib = ctypes.CDLL("/tmp/lib/dev/sluice/nativeapi/linux-x86_64/libsluice.so")
d = ctypes.c_double()
types = {"Q4_K": 12, "Q6_K": 14, "Q8_0": 8, "Q4_0": 2}
print("threads  read GB/s  " + "  ".join(f"{t:>6}" for t in types))
for n in map(int, sys.argv[1].split()):
    lib.sl_measure_host_bandwidth(ctypes.c_uint64(1 << 30), n, ctypes.byref(d))
    row = [d.value / 1e9]
    for t in types.values():
        lib.sl_measure_cpu_matmul_bandwidth(t, ctypes.c_uint64(2 << 30), n, ctypes.byref(d))
        row.append(d.value / 1e9)
    print(f"{n:7d}  {row[0]:9.1f}  " + "  ".join(f"{v:6.1f}" for v in row[1:]))
PY
wait "$synth"

bench() { # name, bench args...: one line of split.jsonl under a name
  local name=$1; shift
  echo "# $name" >>"$OUT/split.jsonl"
  "${SLUICE[@]}" bench -m "$M8" --json "$@" 2>>"$OUT/split.err" | tee -a "$OUT/split.jsonl"
}
for n in $THREADS; do bench "8b cpu -t $n" --backend cpu --q8-activations -t "$n" -p 0 -n 32; done
if [ -f .device/llamacpp/LlamaCppDecode.class ]; then
  for n in $THREADS; do
    echo "# llama.cpp -t $n" >>"$OUT/split.jsonl"
    .jre/bin/java --enable-native-access=ALL-UNNAMED -cp .device/llamacpp/llama.jar:.device/llamacpp LlamaCppDecode \
      "$M8" "$n" 32 2>>"$OUT/llamacpp.err" \
      | tail -n 1 | tee -a "$OUT/split.jsonl"
  done
fi
bench "8b cuda 3G --no-split" --backend cuda --vram-budget 3G -p 0 -n 32 --no-split
for n in 14 15; do bench "8b cuda 3G split -t $n" --backend cuda --vram-budget 3G -p 0 -n 32 -t "$n"; done
grep -E "^plan" "$OUT/split.err" | sort | uniq -c | head

printf '\n%-28s %8s %8s %8s %8s %10s %9s %9s\n' run tg native GB/s plan cpu_GB/s cpu_ms wait_ms
python3 - "$OUT/split.jsonl" <<'PY'
import json, sys
name = "?"
for line in open(sys.argv[1]):
    if line.startswith("#"):
        name = line[1:].strip(); continue
    try: r = json.loads(line)
    except ValueError: continue
    if "engine" in r:
        print(f"{name:<28} {r.get('tg_tok_s', 0):8.2f}  {r.get('system_info', '')[:60]}"); continue
    print(f"{name:<28} {r['tg_tok_s']:8.2f} {r['tg_native_tok_s']:8.2f} {r['gb_s']:8.1f} {r['predicted_tok_s'] or 0:8.2f} "
          f"{r['tg_split_cpu_gb_s']:10.1f} {1e3*r['tg_split_cpu_seconds']:9.2f} {1e3*r['tg_split_wait_seconds']:9.2f}")
PY
