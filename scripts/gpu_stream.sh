#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device/ carried: the streaming
# benchmarks of issue 9 on a 70B Q4_K_M written by `sluice synth` (~40 GiB, ~6.5 min on 16 cores, written
# once in the background while scripts/gpu_check.sh builds and tests), under a 24 GiB VRAM budget with a
# ballast process holding the rest of the GPU's memory, as on a 24 GB card. Prints a table last.
# Longer than one device call: start it with setsid, collect $OUT with a second call.
# Usage: OUT=/tmp/stream-out BENCH="stream8b" bash scripts/gpu_stream.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export OUT=${OUT:-/tmp/stream-out}
mkdir -p "$OUT"
M70=/tmp/70b-q4_k_m.gguf
tar -xJf .device/jre.tar.xz
SLUICE=("$PWD/.jre/bin/java" -jar .device/sluice.jar)
( "${SLUICE[@]}" synth --shape llama-3.1-70b --type q4_k_m -o "$M70" >"$OUT/synth70b.log" 2>&1; echo "rc $?" >>"$OUT/synth70b.log" ) &
synth=$!
bash scripts/gpu_check.sh >"$OUT/gpu_check.txt" 2>&1
wait "$synth"
tail -n 2 "$OUT/synth70b.log"

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

bench70() { # name, VRAM budget, bench args...
  local name=$1 vram=$2; shift 2
  echo "# $name" >>"$OUT/bench70.jsonl"
  "${SLUICE[@]}" bench -m "$M70" --backend cuda --json --vram-budget "$vram" "$@" 2>>"$OUT/bench70.err" | tee -a "$OUT/bench70.jsonl"
}
bench70 "70b A+B (24G VRAM, RAM unlimited)" 24G -p 512 -n 8 --no-split
bench70 "70b A+split (20G VRAM, as llama.cpp -ngl 40)" 20G -p 0 -n 8
for path in pread uring mmap; do
  bench70 "70b A+B+C $path (24G VRAM, 14G RAM)" 24G -p 0 -n 1 --ram-budget 14G --stream-path $path --no-split
done
echo done >"$OUT/done"
kill "$ballast"
grep -E "^plan|error" "$OUT/bench70.err" | sort | uniq -c | head -n 20

tail -n 30 "$OUT/gpu_check.txt"
printf '\n%-40s %7s %8s %8s %8s %8s %6s %7s\n' run pp tg native bound reached xings VRAM
python3 - "$OUT/bench70.jsonl" <<'PY'
import json, sys
name = "?"
for line in open(sys.argv[1]):
    if line.startswith("#"):
        name = line[1:].strip()
        continue
    r = json.loads(line)
    b = r.get("stream_bound_tok_s") or 0
    print(f"{name:<40} {r['pp_tok_s']:7.0f} {r['tg_tok_s']:8.2f} {r['tg_native_tok_s']:8.2f} {b:8.2f} "
          f"{100*r['tg_tok_s']/b if b else 0:7.0f}% {r['pp_layer_crossings']:6.2f} {r['memory_bytes']/2**30:6.1f}G"
          f"  plan {r['predicted_tok_s'] or 0:.2f} ({r['bottleneck']}), {r['tg_streamed_bytes']/2**30:.1f} GiB/token")
PY
