#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device/ carried: the 70B benchmarks
# of issues 8 and 9 on a 70B Q4_K_M written by `sluice synth` (~40 GiB, ~6.5 min on 16 cores, written once in
# the background while scripts/gpu_kernels.sh builds, tests and benchmarks the kernels). First the whole model
# resident on the full GPU and CPU decode on all cores (scripts/gpu_split.sh before them: the CPU's rates and
# llama.cpp's CPU decode beside Sluice's on an 8B body); then, with a ballast process holding all VRAM but 24 GiB, as on a 24 GB card: tiers A+B,
# the split at llama.cpp's -ngl 40 VRAM (20 GiB), and a RAM budget that sends >= 20% of the layers to storage
# read by each path. Prints a table last.
# Longer than one device call: start it with setsid, collect $OUT with a second call.
# Usage: OUT=/tmp/stream-out TYPES="q4_k_m" bash scripts/gpu_stream.sh
#   RUNS: which parts run (default all: kernels junit split8b resident cpu ab split storage); PARITY=0 skips the kernel
#   parity tests (scripts/gpu_kernels.sh) when only its benchmarks are wanted.
set -uo pipefail
cd "$(dirname "$0")/.."
export OUT=${OUT:-/tmp/stream-out}
mkdir -p "$OUT"
RUNS=${RUNS:-kernels junit split8b resident cpu ab split storage}
wants() { [[ " $RUNS " == *" $1 "* ]]; }
M70=/tmp/70b-q4_k_m.gguf
tar -xJf .device/jre.tar.xz
SLUICE=("$PWD/.jre/bin/java" -jar .device/sluice.jar)
( "${SLUICE[@]}" synth --shape llama-3.1-70b --type q4_k_m -o "$M70" >"$OUT/synth70b.log" 2>&1; echo "rc $?" >>"$OUT/synth70b.log" ) &
synth=$!
wants kernels && OUT="$OUT/kernels" BUDGET=${KERNEL_BUDGET:-400} TYPES=${TYPES:-q4_k_m q6_k} bash scripts/gpu_kernels.sh >"$OUT/gpu_kernels.txt" 2>&1
# The JUnit tests tagged gpu (golden logits on CUDA, greedy generation equal to the CPU's, streaming).
if wants junit; then
  tar -xJf .device/test-classes.tar.xz -C .device
  .jre/bin/java -jar .device/junit-console.jar execute --class-path .device/test-classes:.device/sluice.jar \
    --include-tag gpu --scan-class-path .device/test-classes --details summary --disable-banner >"$OUT/junit-gpu.txt" 2>&1
  echo "junit-gpu exit $?" >>"$OUT/junit-gpu.txt"
fi
wait "$synth"
tail -n 2 "$OUT/synth70b.log"

bench70() { # name, bench args...
  local name=$1; shift
  echo "# $name" >>"$OUT/bench70.jsonl"
  "${SLUICE[@]}" bench -m "$M70" --json "$@" 2>>"$OUT/bench70.err" | tee -a "$OUT/bench70.jsonl"
}
# The split's inputs and the 8B checks (CPU rates, CPU decode beside llama.cpp's, the 8B split), once the
# synth no longer holds the cores.
wants split8b && OUT="$OUT/split" THREADS="14 15 16" bash scripts/gpu_split.sh >"$OUT/gpu_split.txt" 2>&1
wants resident && bench70 "70b resident (whole GPU)" --backend cuda -p 512 -n 64
wants cpu && bench70 "70b cpu -t 16" --backend cpu --q8-activations -t 16 -p 0 -n 8

# The ballast: all free VRAM but 24 GiB, held by another process for the 70B runs.
python3 - <<'PY' &
import time, torch
free, _ = torch.cuda.mem_get_info()
x = torch.empty(free - 24 * 2**30, dtype=torch.uint8, device="cuda")
print(f"ballast: {x.numel() / 2**30:.1f} GiB held, 24 GiB left free", flush=True)
time.sleep(3600)
PY
ballast=$!
sleep 20
nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader | tee "$OUT/ballast.txt"

# As llama-bench does, a context just large enough for the test (-c), so the KV cache takes little VRAM.
wants ab && bench70 "70b A+B (24G VRAM, RAM unlimited)" --backend cuda --vram-budget 24G -c 1024 -p 512 -n 8 --no-split
for t in 14 15; do
  wants split && bench70 "70b A+split -t $t (20G VRAM, as llama.cpp -ngl 40)" --backend cuda --vram-budget 20G \
    -c 1024 -p 0 -n 16 -t $t
done
# 11 GiB of RAM leaves 17 of the 80 layers (21%) to storage.
for path in uring pread mmap; do
  wants storage && bench70 "70b A+B+C $path (24G VRAM, 11G RAM)" --backend cuda --vram-budget 24G -c 1024 -p 0 -n 1 \
    --ram-budget 11G --stream-path $path --no-split
done
echo done >"$OUT/done"
kill "$ballast"
grep -E "^plan|error" "$OUT/bench70.err" | sort | uniq -c | head -n 20

tail -n 30 "$OUT/gpu_kernels.txt"
grep -E "tests (successful|failed)|junit-gpu exit" "$OUT/junit-gpu.txt"
tail -n 12 "$OUT/gpu_split.txt"
printf '\n%-48s %7s %8s %8s %8s %8s %6s %7s\n' run pp tg native bound reached xings VRAM
python3 - "$OUT/bench70.jsonl" <<'PY'
import json, sys
name = "?"
for line in open(sys.argv[1]):
    if line.startswith("#"):
        name = line[1:].strip()
        continue
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if "engine" in r:  # llama.cpp's CPU decode
        print(f"{name:<48} {r.get('pp_tok_s') or 0:7.0f} {r['tg_tok_s']:8.2f}")
        continue
    b = r.get("stream_bound_tok_s") or 0
    print(f"{name:<48} {r['pp_tok_s']:7.0f} {r['tg_tok_s']:8.2f} {r['tg_native_tok_s']:8.2f} {b:8.2f} "
          f"{100*r['tg_tok_s']/b if b else 0:7.0f}% {r['pp_layer_crossings']:6.2f} {r['memory_bytes']/2**30:6.1f}G"
          f"  plan {r['predicted_tok_s'] or 0:.2f} ({r['bottleneck']}), {r['tg_streamed_bytes']/2**30:.1f} GiB/token, "
          f"{r['gb_s']:.0f} GB/s = {100*r['roofline_fraction']:.1f}% of {r['bound']} {r['bound_gb_s']:.0f}"
          + (f", split CPU {r['tg_split_cpu_gb_s']:.1f} GB/s {1e3*r['tg_split_cpu_seconds']:.0f} ms, waits "
             f"{1e3*r['tg_split_wait_seconds']:.0f} ms" if r.get('tg_split_cpu_bytes') else ""))
PY
