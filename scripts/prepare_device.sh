#!/usr/bin/env bash
# Packs what a GPU run needs into .device/ (ignored by git; passed to the device tool with carry):
# a jlinked Java runtime (the GPU machine has no JDK), the executable jar and the golden data the
# GPU tests read. Everything travels compressed: the device tool carries at most 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mkdir -p .device
if [ ! -f .device/jre.tar.xz ]; then
  rm -rf .jre
  "$JDK/bin/jlink" --add-modules java.base,java.logging,java.management,java.sql,java.xml,java.naming,jdk.unsupported,jdk.zipfs \
    --strip-debug --no-man-pages --no-header-files --compress zip-9 --output .jre
  strip --strip-unneeded .jre/lib/server/libjvm.so
  tar -cJf .device/jre.tar.xz .jre
fi
[ -f target/sluice.jar ] || { echo "build first: mvn -DskipTests -Dcuda.arch=90 package" >&2; exit 1; }
cp target/sluice.jar .device/sluice.jar
# The JUnit tests tagged gpu run there from the compiled test classes, with JUnit's console launcher.
if [ -d target/test-classes ]; then
  tar -cJf .device/test-classes.tar.xz --exclude='*.gguf' --exclude='*.npy' -C target test-classes
  cp "$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/1.11.4/junit-platform-console-standalone-1.11.4.jar" \
    .device/junit-console.jar 2>/dev/null || \
    mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 -DoutputDirectory=.device \
      -Dmdep.stripVersion=true && mv -f .device/junit-platform-console-standalone.jar .device/junit-console.jar 2>/dev/null || true
fi
# Golden data for the GPU tests: the cases named in $GOLDEN_MODELS (default: the ones the native tests
# name, plus tiny-llama3 for the Java run), json,
# npy and model file each; all of them would not fit in what the device tool carries.
rm -f .device/golden.tar.xz
GOLDEN_MODELS=${GOLDEN_MODELS-tiny-llama3-Q4_K_M tiny-spm-Q8_0 tiny-spm-Q4_0 tiny-spm-F16 tiny-spm-Q6_K tiny-spm-Q2_K tiny-spm-Q3_K_M tiny-spm-Q5_K_M tiny-spm-Q4_1 tiny-spm-Q5_0}
if [ -n "$GOLDEN_MODELS" ]; then
  files=(golden/README.md)
  for m in $GOLDEN_MODELS; do
    files+=("golden/models/$m.gguf")
    for f in ../shared/golden/logits/"$m".*; do files+=("golden/logits/${f##*/}"); done
  done
  tar -cJf .device/golden.tar.xz -C ../shared "${files[@]}"
fi
du -ch .device/* | tail -n 1
