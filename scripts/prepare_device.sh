#!/usr/bin/env bash
# Packs what a GPU run needs into .device/ (ignored by git; passed to the device tool with carry):
# a jlinked Java runtime (the GPU machine has no JDK), the executable jar, the test classes and JUnit's
# console launcher. The GPU tests read the
# golden subset in tests/golden, which travels with the working tree (the device tool carries 64 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mkdir -p .device
if [ ! -f .device/jre.tar.xz ]; then
  rm -rf .jre
  # java.desktop for java.beans (Jinjava renders chat templates with it), without its graphics libraries;
  # uncompressed modules, since xz over the whole image compresses far better than zip inside it.
  "$JDK/bin/jlink" --add-modules java.base,java.desktop,java.logging,java.management,java.sql,java.xml,java.naming,jdk.unsupported,jdk.zipfs \
    --strip-debug --no-man-pages --no-header-files --compress zip-0 \
    --exclude-files='**/libawt_xawt.so,**/libsplashscreen.so,**/libfontmanager.so,**/libfreetype.so,**/liblcms.so,**/libmlib_image.so,**/libjavajpeg.so,**/libjsound.so' \
    --output .jre
  strip --strip-unneeded .jre/lib/server/libjvm.so
  XZ_OPT=-9 tar -cJf .device/jre.tar.xz .jre
fi
[ -f target/sluice.jar ] || { echo "build first: mvn -DskipTests -Dcuda.arch=90 package" >&2; exit 1; }
cp target/sluice.jar .device/sluice.jar
# The demo model travels in the working tree already; its copy in the jar would only cost carry space.
zip -qd .device/sluice.jar 'dev/sluice/demo/demo.gguf'
rm -f .device/golden.tar.xz  # left by an older version of this script
# The JUnit tests tagged gpu run there from the compiled test classes, with JUnit's console launcher.
if [ -d target/test-classes ]; then
  tar -cJf .device/test-classes.tar.xz --exclude='*.gguf' --exclude='*.npy' -C target test-classes
  launcher=org/junit/platform/junit-platform-console-standalone/1.11.4/junit-platform-console-standalone-1.11.4.jar
  [ -f "$HOME/.m2/repository/$launcher" ] || \
    mvn -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4
  cp "$HOME/.m2/repository/$launcher" .device/junit-console.jar
fi
du -ch .device/* | tail -n 1
