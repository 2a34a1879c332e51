#!/usr/bin/env bash
# Packs the llama.cpp CPU yardstick into .device/llamacpp/ (ignored by git; carried with .device to the
# GPU machine): LlamaCppDecode.class, java-llama.cpp 4.2.0's jar slimmed to its Linux x86_64 library, and
# this machine's libgomp.so.1 (libjllama.so needs it; LlamaCppDecode loads the copy only where the system
# has none). Run on the device: .jre/bin/java -cp .device/llamacpp/llama.jar:.device/llamacpp LlamaCppDecode MODEL THREADS N
set -euo pipefail
cd "$(dirname "$0")/../.."
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAR=${LLAMA_JAR:-$HOME/.m2/repository/de/kherud/llama/4.2.0/llama-4.2.0.jar}
[ -f "$JAR" ] || mvn -B -q dependency:get -Dartifact=de.kherud:llama:4.2.0
OUT=.device/llamacpp
rm -rf "$OUT"
mkdir -p "$OUT"
"$JDK/bin/javac" --release 21 -cp "$JAR" -d "$OUT" scripts/llamacpp_cpu/LlamaCppDecode.java
cp "$JAR" "$OUT/llama.jar"
chmod u+w "$OUT/llama.jar"
zip -qd "$OUT/llama.jar" 'de/kherud/llama/Linux-Android/*' 'de/kherud/llama/Linux/aarch64/*' \
  'de/kherud/llama/Mac/*' 'de/kherud/llama/Windows/*'
GOMP=$(ldconfig -p | awk '/libgomp\.so\.1 .*x86-64/ {print $NF; exit}')
if [ -n "$GOMP" ]; then cp -L "$GOMP" "$OUT/libgomp.so.1"; else echo "no libgomp.so.1 here to bundle" >&2; fi
du -ch "$OUT"/* | tail -n 1
