#!/usr/bin/env bash
# Builds the demo model on the GPU machine (device tool), from the repository root, with .device/
# carried (scripts/prepare_device.sh packs it): trains with scripts/train_demo_model.py, writes the
# GGUF with the project's own writer (`sluice convert`), then measures it with the sluice CLI.
# Results in $OUT: demo.gguf, report.md, report.json (training), train.log.
# Usage: bash scripts/build_demo_model.sh [extra train_demo_model.py options, e.g. --device cpu --steps 20]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sluice-out}
TYPE=${DEMO_TYPE:-Q8_0}
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d)
mkdir -p "$OUT"
JAVA=${JAVA:-.jre/bin/java}  # the carried runtime; JAVA=java to run it on a machine with a JDK
[ -x "$JAVA" ] || [ "$JAVA" != .jre/bin/java ] || tar -xJf .device/jre.tar.xz
sluice() { "$JAVA" -jar .device/sluice.jar "$@"; }

start=$SECONDS
"$PYTHON" scripts/train_demo_model.py --out "$WORK" "$@" 2>&1 | tee "$OUT/train.log"
cp "$WORK/report.json" "$OUT/report.json"
sluice convert "$WORK" --type "$TYPE" -o "$OUT/demo.gguf"
model=(-m "$OUT/demo.gguf" --backend cpu)
set +e  # a failed measurement shows in the report instead of ending it

{
  echo "# Demo model build ($(date -u +%F), $((SECONDS - start)) s)"
  echo
  echo '```'
  sluice info -m "$OUT/demo.gguf"
  echo '```'
  echo
  echo "## Held-out perplexity (demo/corpus/test.txt)"
  echo
  echo '```'
  sluice perplexity "${model[@]}" -f demo/corpus/test.txt -c 512 2>&1 | tail -n 1
  "$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1])); print("unigram baseline PPL = %.2f (add-one token frequencies of the training text)" % r["unigram_test_ppl"]); print("validation PPL in training = %.2f at step %d of %s" % (r["valid_ppl"], r["best_step"], r["args"]["steps"]))' "$OUT/report.json"
  echo '```'
  echo
  echo "Sluice's tokenizer vs SentencePiece on the held-out text:"
  sluice tokenize -m "$OUT/demo.gguf" -f demo/corpus/test.txt --no-bos > "$WORK/ids.json"
  "$PYTHON" -c 'import json,sys,sentencepiece as s; a=s.SentencePieceProcessor(model_file=sys.argv[1]).encode(open(sys.argv[2],encoding="utf-8").read()); b=json.load(open(sys.argv[3])); print("identical" if a==b else "DIFFERENT: %d vs %d tokens" % (len(a), len(b)))' "$WORK/tokenizer.model" demo/corpus/test.txt "$WORK/ids.json"
  echo
  echo "## Samples (sluice run, seeds 1-3, temperature 0.8)"
  for prompt in "The computer" "A wise man once said" "Q: What is"; do
    for seed in 1 2 3; do
      echo
      echo "\`$prompt\` (seed $seed):"
      echo '```'
      sluice run "${model[@]}" -p "$prompt" -n 80 --temp 0.8 --seed "$seed" 2>/dev/null
      echo
      echo '```'
    done
  done
  echo
  echo "## Chat (the model's template)"
  for prompt in "Tell me a fortune." "Say something wise."; do
    echo
    echo "\`$prompt\`:"
    echo '```'
    sluice run "${model[@]}" --chat-template -p "$prompt" -n 120 --temp 0.8 --seed 1 2>/dev/null
    echo
    echo '```'
  done
  echo
  echo "## Speed (CPU backend, this machine)"
  echo '```'
  sluice bench "${model[@]}" -p 256 -n 64 2>&1 | tail -n 3
  echo '```'
} > "$OUT/report.md" 2>&1
rm -rf "$WORK"
cat "$OUT/report.md"
ls -la "$OUT"
