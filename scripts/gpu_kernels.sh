#!/usr/bin/env bash
# Runs on the GPU machine (device tool) from the repository root: the kernel work's check in one
# call, without Java. Builds the CUDA parity tests and the benchmarks for sm_90, runs the tests,
# the matvec benchmark (sluice_bench_cuda_matvec 1 50), the gemm/attention/top-k one
# (sluice_bench_cuda_kernels 20) and 8B decode end to end
# (sluice_bench_decode --cuda TYPE) for each of $TYPES, with plain launches and overlapped ones
# (the default; SLUICE_CUDA_OVERLAP=0 for plain ones, the tests run both ways too), and the same benchmarks of other
# builds: each of $BUILDS (default "base") that .device/ holds (its sluice_bench_cuda_matvec and sluice_bench_decode:
# the earlier commit, or a variant, built here and carried with .device): before and after in the same run. Prints a short table last; logs in $OUT (the device tool returns at most 8 files: tar them).
# Usage: TYPES="q4_k_m q8_0" bash scripts/gpu_kernels.sh   (BUDGET: seconds after which steps are skipped;
#   PARITY=0: the benchmarks only; PLAIN=0: overlapped launches only; LONG="q4_k_m" (the default): also decode
#   after an 8192-token prompt for those types; PROFILE="q4_k_m": Nsight Compute times each kernel of one decode step
#   of those types in isolation, scripts/ncu_step.py groups them, and two layers' matvecs and attention with their
#   warp stalls (scripts/ncu_stalls.py; NCU_SKIP, NCU_COUNT choose the launches); VARIANTS="SLUICE_CUDA_Q4K=roll ...": the matvec
#   benchmark and decode again under each of those settings, for A/B in one call; TESTS: the parity tests to run, when not all;
#   STREAM=1: also sluice_bench_cuda_stream, plain reads of the decode matrices' bytes by bytes in flight)
# The device tool sends the checkout the session started in: from another worktree, copy this tree
# (git archive HEAD CMakeLists.txt native scripts) into an ignored folder of that checkout, carry it
# and run the script from there.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sluice-out}
BUDGET=${BUDGET:-260}
TYPES=${TYPES:-q4_k_m}
BUILDS=${BUILDS:-base}
TESTS=${TESTS:-"test_cuda_matvec test_backend_ops test_llama_forward test_cuda_attention test_cuda_dequantize test_cuda_gemm test_cuda_top_k test_layer_streaming test_abi"}
mkdir -p "$OUT"
declare -a rows

step() { # name log command...: runs unless past the budget, appends to $OUT/<log>, records the outcome
  local name=$1 log=$2; shift 2
  if [ "$SECONDS" -gt "$BUDGET" ]; then rows+=("$name|skipped (budget)|"); return; fi
  local start=$SECONDS
  echo "### $name" >>"$OUT/$log"
  if "$@" >>"$OUT/$log" 2>&1; then rows+=("$name|ok|$((SECONDS - start))s")
  else rows+=("$name|FAILED ($log)|$((SECONDS - start))s"); fi
}

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem --format=csv,noheader
TARGETS="sluice_bench_cuda_matvec sluice_bench_cuda_kernels sluice_bench_cuda_stream sluice_bench_decode"
[ "${PARITY:-1}" != 0 ] && TARGETS="$TESTS $TARGETS"
step build build.log bash -c "cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 && cmake --build build-gpu --target $TARGETS"

run_tests() { # in parallel, each test's output in turn
  local t
  for t in $TESTS; do (build-gpu/$t >"/tmp/$t.log" 2>&1; echo "exit $?" >>"/tmp/$t.log") & done
  wait
  local bad=0
  for t in $TESTS; do
    echo "## $t"; cat "/tmp/$t.log"
    tail -n 1 "/tmp/$t.log" | grep -q "exit 0" || bad=1
  done
  return $bad
}
run_tests_plain() { SLUICE_CUDA_OVERLAP=0 run_tests; }
if [ "${PARITY:-1}" != 0 ]; then
  step parity tests.log run_tests
  [ "${PLAIN:-1}" != 0 ] && step parity-plain tests.log run_tests_plain
  # Decode attention's two-pass form at the short contexts where the cluster form is the default.
  [[ " $TESTS " == *" test_cuda_attention "* ]] && step parity-two-pass tests.log \
    env SLUICE_CUDA_ATTN_CLUSTER=0 build-gpu/test_cuda_attention
fi

BENCH=build-gpu/native/bench
# What a warp waits on, as warps per issued instruction (PROFILE; scripts/ncu_stalls.py), and issue slots busy.
STALL_METRICS=sm__inst_issued.avg.pct_of_peak_sustained_active
for r in barrier branch_resolving dispatch_stall drain imc_miss lg_throttle long_scoreboard math_pipe_throttle membar \
  mio_throttle misc no_instruction not_selected selected short_scoreboard sleeping tex_throttle wait; do
  STALL_METRICS+=,smsp__average_warps_issue_stalled_${r}_per_issue_active
done
step matvec matvec.log "$BENCH/sluice_bench_cuda_matvec" 1 50
for v in ${VARIANTS:-}; do step "matvec-${v##*_}" matvec.log env "$v" "$BENCH/sluice_bench_cuda_matvec" 1 50; done
for b in $BUILDS; do
  [ -x ".device/$b/sluice_bench_cuda_matvec" ] && step "matvec-$b" "matvec_$b.log" ".device/$b/sluice_bench_cuda_matvec" 1 50
done
step kernels kernels.log "$BENCH/sluice_bench_cuda_kernels" 20
[ "${STREAM:-0}" != 0 ] && step stream kernels.log "$BENCH/sluice_bench_cuda_stream" 200
for t in $TYPES; do
  step "e2e-$t" e2e.log "$BENCH/sluice_bench_decode" --cuda "$t"
  [[ " ${LONG-q4_k_m} " == *" $t "* ]] && step "e2e-$t-8k" e2e.log "$BENCH/sluice_bench_decode" --cuda "$t" 128 2 8192
  [ "${PLAIN:-1}" != 0 ] && step "e2e-$t-plain" e2e.log env SLUICE_CUDA_OVERLAP=0 "$BENCH/sluice_bench_decode" --cuda "$t"
  for v in ${VARIANTS:-}; do step "e2e-$t-${v##*_}" e2e.log env "$v" "$BENCH/sluice_bench_decode" --cuda "$t"; done
  for b in $BUILDS; do
    [ -x ".device/$b/sluice_bench_decode" ] || continue
    step "e2e-$t-$b" e2e.log ".device/$b/sluice_bench_decode" --cuda "$t"
    [[ " ${LONG-q4_k_m} " == *" $t "* ]] && step "e2e-$t-8k-$b" e2e.log ".device/$b/sluice_bench_decode" --cuda "$t" 128 2 8192
  done
  if [[ " ${PROFILE:-} " == *" $t "* ]]; then
    step "ncu-$t" "ncu_$t.log" bash -c "timeout 300 \$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu | head -n 1) \
      --graph-profiling node --clock-control none --cache-control none --print-kernel-base function \
      --csv --log-file /tmp/ncu_$t.csv \
      --metrics gpu__time_duration.sum,dram__bytes_read.sum $BENCH/sluice_bench_decode --cuda $t 2 1 \
      && cp /tmp/ncu_$t.csv $OUT/ && python3 scripts/ncu_step.py /tmp/ncu_$t.csv"
    # One-token matvecs and attention in detail (NCU_SKIP launches skipped, NCU_COUNT profiled; the default 21/14
    # takes the 8B Q4_K_M's fourth and fifth layers, a Q6_K and a Q4_K ffn_down): speed of light, occupancy, memory,
    # and what the warps wait on (scripts/ncu_stalls.py prints it).
    step "ncu-$t-stalls" "ncu_$t.log" bash -c "timeout 200 \$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu | head -n 1) \
      --clock-control none --cache-control none --print-kernel-base function -k 'regex:matvec|decode_chunk|decode_combine' \
      --launch-skip ${NCU_SKIP:-21} --launch-count ${NCU_COUNT:-14} --section SpeedOfLight --section Occupancy \
      --section WarpStateStats --section MemoryWorkloadAnalysis --section LaunchStats \
      --metrics $STALL_METRICS \
      --csv --page details $BENCH/sluice_bench_decode --cuda $t 2 1 | grep '^\"' > $OUT/ncu_${t}_stalls.csv \
      && python3 scripts/ncu_stalls.py $OUT/ncu_${t}_stalls.csv"
  fi
  rm -f "/tmp/sluice_bench_8b_$t.bin"
done

echo
grep -hE "checks, [0-9]+ failed|^[A-Z0-9_]{2,5} +[0-9]+ +[0-9.e+-]+ +[0-9.e+-]+ +[0-9]+$" "$OUT/tests.log" 2>/dev/null
for f in matvec $(for b in $BUILDS; do echo "matvec_$b"; done); do
  [ -f "$OUT/$f.log" ] && { echo "# $f"; grep -E "^### |copy|attn_k,v|attn_o|attn_qkv|ffn_gate|ffn_down|8B token" "$OUT/$f.log"; }
done
[ -f "$OUT/kernels.log" ] && { echo "# kernels"; grep -E "copy|ctx|pos0|q/o|gate/up|depth" "$OUT/kernels.log"; }
[ -f "$OUT/e2e.log" ] && grep -E "^### |tok/s|error" "$OUT/e2e.log"
for f in "$OUT"/ncu_*.log; do
  [ -f "$f" ] && { echo "# $(basename "$f")"; grep -A 14 '^kernel ' "$f"; grep -E '^(matvec|decode)_[a-z0-9_]+ +\(' "$f"; }
done
printf '\n%-22s %-24s %s\n' step result time
for r in "${rows[@]}"; do IFS='|' read -r a b c <<<"$r"; printf '%-22s %-24s %s\n' "$a" "$b" "$c"; done
