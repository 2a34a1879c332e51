#!/usr/bin/env bash
# SASS of the kernels of one CUDA source, disassembled on the development machine (no GPU, and CUDA 13 here
# ships no cuobjdump/nvdisasm): takes nvdisasm from Debian's non-free nvidia-cuda-toolkit (11.8, which knows
# sm_90) into a cache folder once, compiles FILE.cu to an sm_90 cubin with ptxas's register report, rewrites the
# cubin's ELF ABI version and flags to the pre-CUDA-12.8 form that nvdisasm reads, and prints the functions whose
# names match FILTER, with each loop's instruction count (a backward branch) after each function.
# Usage: scripts/sass_dump.sh native/src/cuda/FILE.cu [FILTER]   (ptxas's report: $CACHE/ptxas.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$1 filter=${2:-.}
CACHE=${CACHE:-$HOME/.cache/sluice-sass}
nvdisasm=$CACHE/usr/bin/nvdisasm
if [ ! -x "$nvdisasm" ]; then
  mkdir -p "$CACHE"
  list=$CACHE/nonfree.sources
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$list"
  opts=(-o "Dir::Etc::sourcelist=$list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$CACHE/lists" -o "Dir::Cache=$CACHE")
  mkdir -p "$CACHE/lists/partial"
  apt-get "${opts[@]}" update -qq
  (cd "$CACHE" && apt-get "${opts[@]}" download nvidia-cuda-toolkit && dpkg -x nvidia-cuda-toolkit_*.deb . && rm -f ./*.deb)
fi
cubin=$(mktemp --suffix .cubin)
trap 'rm -f "$cubin"' EXIT
nvcc -std=c++20 -O3 -arch=sm_90 -cubin -Xptxas -v -Inative/src -Inative/include "$src" -o "$cubin" 2>"$CACHE/ptxas.txt"
python3 - "$cubin" "$nvdisasm" "$filter" <<'PY'
import re, struct, subprocess, sys
cubin, nvdisasm, pattern = sys.argv[1:]
b = bytearray(open(cubin, 'rb').read())
b[8] = 7                                 # EI_ABIVERSION of the older cubins
struct.pack_into('<I', b, 0x30, 0x5a055a)  # e_flags: sm_90, virtual sm_90, 64-bit, unified texture mode
open(cubin, 'wb').write(b)
text = subprocess.run([nvdisasm, '-c', cubin], capture_output=True, text=True, check=True).stdout
for part in re.split(r'\n\s*\.section\s+\.text\.', text)[1:]:
    name = part.split(',')[0]
    if not re.search(pattern, name):
        continue
    lines = [l for l in part.split('\n') if re.search(r'/\*[0-9a-f]{4,}\*/', l) or re.match(r'\s*\.L_x_\d+:', l)]
    print('//', name, '--', sum(1 for l in lines if '/*' in l), 'instructions')
    labels = {}
    for i, l in enumerate(lines):
        m = re.match(r'\s*(\.L_x_\d+):', l)
        if m: labels[m.group(1)] = i
        print(l)
    for i, l in enumerate(lines):
        m = re.search(r'BRA.*`\((\.L_x_\d+)\)', l)
        if m and labels.get(m.group(1), i) < i:
            print('// loop at %s: %d instructions' % (m.group(1), sum(1 for x in lines[labels[m.group(1)]:i + 1] if '/*' in x)))
PY
