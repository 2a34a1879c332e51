#!/usr/bin/env bash
# The QEMU NVMe test: boots a small Debian-kernel guest under software emulation with QEMU's NVMe
# controller holding a GGUF model, drives that controller with Sluice's userspace driver through
# vfio-pci, then hands it back to the kernel's nvme driver. Two variants: behind a virtual Intel
# IOMMU, and in vfio's no-IOMMU mode (the "user asked for it" path).
#
#   tests/qemu-nvme/run.sh [iommu] [noiommu]     (default: both)
#
# Installs what it lacks (qemu-system-x86, busybox-static, cpio, a Debian kernel package), puts
# everything it builds under target/qemu-nvme/, prints "N passed, M failed" and exits non-zero on
# any failure. Debian builds vfio without CONFIG_VFIO_NOIOMMU, so for the no-IOMMU variant vfio.ko
# is rebuilt from the matching linux-source package with that option (the only module replaced).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/qemu-nvme
WORK=$ROOT/target/qemu-nvme
GOLDEN=${SLUICE_GOLDEN_DIR:-$ROOT/tests/golden}  # these cases are in the in-repository subset
MODEL=$GOLDEN/models/tiny-spm-Q4_0.gguf
OTHER_MODEL=$GOLDEN/models/tiny-spm-Q8_0.gguf
PROMPT=$GOLDEN/logits/tiny-spm-Q4_0.p1.json
BOOT_TIMEOUT=${QEMU_NVME_BOOT_TIMEOUT:-360}  # seconds per boot
SERIAL=SLUICEQEMU01
IMAGE_MB=64
LBA=2048                                     # the model's header sits 1 MiB into the namespace
WINDOW_PHYS=0x30000000                       # no-IOMMU DMA window, reserved with memmap= below
WINDOW_BYTES=$((16 << 20))
VARIANTS=("$@")
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(iommu noiommu)
MODULES=(irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci
         crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic crc64-rocksoft t10-pi nvme-core nvme)

log() { echo "qemu-nvme: $*" >&2; }

install_tools() {
    local missing=()
    command -v qemu-system-x86_64 > /dev/null || missing+=(qemu-system-x86)
    dpkg -s busybox-static > /dev/null 2>&1 || missing+=(busybox-static)
    command -v cpio > /dev/null || missing+=(cpio)
    [ ${#missing[@]} -eq 0 ] && return
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
}

fetch_kernel() {
    [ -f "$WORK/kernel/vmlinuz" ] && [ -f "$WORK/kernel/version" ] && return
    local package
    package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$package" ] || { apt-get update -qq; package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); }
    log "fetching kernel package $package"
    rm -rf "$WORK/dl" "$WORK/kernel"
    mkdir -p "$WORK/dl" "$WORK/kernel/modules"
    (cd "$WORK/dl" && apt-get download "$package" 2> /dev/null && dpkg-deb -x ./*.deb tree)
    cp "$WORK"/dl/tree/boot/vmlinuz-* "$WORK/kernel/vmlinuz"
    echo "$package" > "$WORK/kernel/package"
    dpkg-deb -f "$WORK"/dl/*.deb Version > "$WORK/kernel/version"
    for m in "${MODULES[@]}"; do
        find "$WORK/dl/tree/lib/modules" -name "$m.ko" -exec cp {} "$WORK/kernel/modules/" \;
        [ -f "$WORK/kernel/modules/$m.ko" ] || { log "module $m.ko not found in $package"; exit 1; }
    done
    rm -rf "$WORK/dl"
}

build_noiommu_vfio() {
    [ -f "$WORK/kernel/noiommu/vfio.ko" ] && return
    local package release version series src=$WORK/vfio-src
    package=$(cat "$WORK/kernel/package")
    release=${package#linux-image-}
    version=$(cat "$WORK/kernel/version")
    series=$(echo "$release" | cut -d. -f1,2)
    log "rebuilding vfio.ko of $release with CONFIG_VFIO_NOIOMMU"
    [ -d "/usr/src/linux-headers-$release" ] ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "linux-headers-$release" > /dev/null
    rm -rf "$src" && mkdir -p "$src/dl"
    (cd "$src/dl" && apt-get download "linux-source-$series=$version" 2> /dev/null)
    dpkg-deb --fsys-tarfile "$src"/dl/*.deb | tar -xO "./usr/src/linux-source-$series.tar.xz" | xz -dc |
        tar -x -C "$src" --strip-components=3 --wildcards "linux-source-$series/drivers/vfio/*.[ch]"
    printf 'obj-m := vfio.o\nvfio-y := vfio_main.o iova_bitmap.o container.o\nccflags-y := -DCONFIG_VFIO_NOIOMMU=1\n' > "$src/Kbuild"
    make -s -C "/usr/src/linux-headers-$release" M="$src" -j2 modules > /dev/null
    mkdir -p "$WORK/kernel/noiommu"
    strip --strip-debug -o "$WORK/kernel/noiommu/vfio.ko" "$src/vfio.ko"
    rm -rf "$src"
}

build_guest_test() {  # a CPU-only sluice_core (no CUDA in the guest), built by CMake and kept between runs
    log "building the static guest test program"
    cmake -S "$ROOT" -B "$WORK/core-build" -DSLUICE_CUDA=OFF -DSLUICE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release > /dev/null
    cmake --build "$WORK/core-build" --target sluice_core -j2 > /dev/null
    # sluice_core takes liburing's static library when CMake found it (the io_uring stream path).
    local uring
    uring=$(sed -n 's/^LIBURING_STATIC:FILEPATH=//p' "$WORK/core-build/CMakeCache.txt" | grep -v NOTFOUND || true)
    g++ -std=c++20 -O2 -static -Wall -Wextra -Wno-unused-parameter -I"$ROOT/native/include" -I"$ROOT/native/src" \
        -I"$ROOT/native/tests" -DSLUICE_GOLDEN_SUBSET_DIR="\"$ROOT/tests/golden\"" -DSLUICE_GOLDEN_DIR="\"$GOLDEN\"" \
        "$HERE/guest_test.cpp" "$WORK/core-build/libsluice_core.a" $uring -o "$WORK/guest_test" -lpthread
}

make_image() {
    rm -f "$WORK/nvme.img"
    truncate -s "${IMAGE_MB}M" "$WORK/nvme.img"
    "$WORK/guest_test" write-image "$WORK/nvme.img" "$MODEL" "$LBA" >&2
}

make_initramfs() {  # variant
    local variant=$1 root=$WORK/initramfs-$1 window=""
    [ "$variant" = noiommu ] && window="$WINDOW_PHYS $WINDOW_BYTES"
    rm -rf "$root"
    mkdir -p "$root"/{bin,proc,sys,dev,modules,models}
    cp /bin/busybox "$root/bin/busybox"
    cp "$WORK"/kernel/modules/*.ko "$root/modules/"
    [ "$variant" = noiommu ] && cp "$WORK/kernel/noiommu/vfio.ko" "$root/modules/vfio.ko"
    cp "$WORK/guest_test" "$root/guest_test"
    cp "$MODEL" "$root/models/model.gguf"
    cp "$OTHER_MODEL" "$root/models/other.gguf"
    cp "$PROMPT" "$root/models/prompt.json"
    sed -e "s/@MODE@/$variant/" -e "s/@LBA@/$LBA/" -e "s/@SERIAL@/$SERIAL/" \
        -e "s/@BLOCKS@/$((IMAGE_MB * 2048))/" -e "s/@WINDOW@/$window/" "$HERE/guest_init.sh" > "$root/init"
    chmod +x "$root/init"
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initramfs-$variant.cpio.gz"
}

boot() {  # variant -> guest console in $WORK/console-$variant.log
    local variant=$1 machine=(-machine q35) append="console=ttyS0 panic=-1 loglevel=4"
    if [ "$variant" = iommu ]; then
        machine+=(-device intel-iommu,intremap=on)
        append+=" intel_iommu=on"
    else
        append+=" memmap=$((WINDOW_BYTES >> 20))M\$$WINDOW_PHYS"
    fi
    log "booting the $variant guest (software emulation, up to ${BOOT_TIMEOUT}s)"
    timeout --foreground -k 10 "$BOOT_TIMEOUT" qemu-system-x86_64 "${machine[@]}" -accel tcg -cpu max -m 1G -smp 2 \
        -nographic -no-reboot -kernel "$WORK/kernel/vmlinuz" -initrd "$WORK/initramfs-$variant.cpio.gz" -append "$append" \
        -drive "file=$WORK/nvme.img,if=none,id=nvm,format=raw" -device "nvme,serial=$SERIAL,drive=nvm" \
        < /dev/null > "$WORK/console-$variant.log" 2>&1 || log "QEMU exited with status $? for $variant"
}

passed=0
failed=0
count_phase() {  # variant phase
    local line
    line=$(grep -a "^$2: [0-9]* passed, [0-9]* failed" "$WORK/console-$1.log" | tail -1 | tr -d "\r" || true)
    if [ -z "$line" ]; then
        log "$1: the $2 phase printed no result (see $WORK/console-$1.log)"
        failed=$((failed + 1))
        return
    fi
    read -r p f <<< "$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/')"
    passed=$((passed + p))
    failed=$((failed + f))
}

mkdir -p "$WORK"
[ -f "$MODEL" ] && [ -f "$OTHER_MODEL" ] && [ -f "$PROMPT" ] || { echo "error: golden models or prompt not found under $GOLDEN" >&2; exit 1; }
start=$SECONDS
install_tools
fetch_kernel
build_guest_test
make_image
for variant in "${VARIANTS[@]}"; do
    case $variant in iommu | noiommu) ;; *) echo "error: unknown variant '$variant' (iommu or noiommu)" >&2; exit 2 ;; esac
    [ "$variant" = noiommu ] && build_noiommu_vfio
    make_initramfs "$variant"
    boot "$variant"
    grep -a -E "^(PASS|FAIL|WARNING|\*|controller|queue|sanity)|insmod|vfio|nvme" "$WORK/console-$variant.log" \
        | sed "s/^/[$variant] /" >&2 || true
    count_phase "$variant" vfio
    count_phase "$variant" block
done
log "done in $((SECONDS - start))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
