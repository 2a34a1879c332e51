#!/usr/bin/env bash
# Tests of scripts/setup_nvme.sh and scripts/restore_nvme.sh against fake sysfs and proc trees
# (SYSFS_ROOT, PROC_ROOT): they must refuse drives in use, change nothing under --dry-run, and do
# the driver_override / unbind / probe writes otherwise. Prints "N passed, M failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SETUP=$ROOT/scripts/setup_nvme.sh
RESTORE=$ROOT/scripts/restore_nvme.sh
BDF=0000:01:00.0
passed=0
failed=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A fresh fake machine: one NVMe controller on the nvme driver with namespace nvme0n1 and partition
# nvme0n1p1, an IOMMU group 7, nothing mounted.
make_machine() {
    rm -rf "$TMP/sys" "$TMP/proc"
    local dev=$TMP/sys/bus/pci/devices/$BDF
    mkdir -p "$dev/nvme/nvme0/nvme0n1/nvme0n1p1" "$TMP/sys/bus/pci/drivers/nvme" "$TMP/sys/bus/pci/drivers/vfio-pci" \
        "$TMP/sys/kernel/iommu_groups/7" "$TMP/sys/class/block/nvme0n1/holders" "$TMP/sys/class/block/nvme0n1p1/holders" \
        "$TMP/sys/module/vfio/parameters" "$TMP/proc/1/fd"
    echo 0x010802 > "$dev/class"
    : > "$dev/driver_override"
    : > "$TMP/sys/bus/pci/drivers/nvme/unbind"
    : > "$TMP/sys/bus/pci/drivers/vfio-pci/unbind"
    : > "$TMP/sys/bus/pci/drivers_probe"
    ln -s ../../drivers/nvme "$dev/driver"
    ln -s ../../../../kernel/iommu_groups/7 "$dev/iommu_group"
    echo "/dev/sda1 / ext4 rw 0 0" > "$TMP/proc/mounts"
    echo "Filename Type Size Used Priority" > "$TMP/proc/swaps"
}

bind_to() {  # driver
    ln -sfn "../../drivers/$1" "$TMP/sys/bus/pci/devices/$BDF/driver"
}

# expect NAME EXIT_CODE_KIND(ok|fail) TEXT_IN_OUTPUT -- command...
expect() {
    local name=$1 kind=$2 text=$3 output status
    shift 4
    output=$(SYSFS_ROOT=$TMP/sys PROC_ROOT=$TMP/proc MODPROBE=true "$@" 2>&1)
    status=$?
    if { [ "$kind" = ok ] && [ $status -eq 0 ]; } || { [ "$kind" = fail ] && [ $status -ne 0 ]; }; then
        if [[ "$output" == *"$text"* ]]; then
            passed=$((passed + 1)); echo "PASS $name"; return
        fi
    fi
    failed=$((failed + 1))
    echo "FAIL $name (exit $status): $output"
}

check() {  # name condition...
    local name=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "PASS $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}

make_machine
echo "/dev/nvme0n1p1 /data ext4 rw 0 0" >> "$TMP/proc/mounts"
expect "setup refuses a mounted partition" fail "mounted filesystem: /dev/nvme0n1p1 on /data" -- "$SETUP" $BDF
expect "setup refuses a mounted partition even in dry-run" fail "mounted" -- "$SETUP" $BDF --dry-run

make_machine
echo "/dev/nvme0n1p1 / ext4 rw 0 0" >> "$TMP/proc/mounts"
expect "setup refuses the root device" fail "root filesystem" -- "$SETUP" $BDF

make_machine
echo "/dev/nvme0n1 partition 1048572 0 -2" >> "$TMP/proc/swaps"
expect "setup refuses active swap" fail "swap" -- "$SETUP" $BDF

make_machine
mkdir -p "$TMP/sys/class/block/nvme0n1p1/holders/dm-0"
expect "setup refuses a partition held by device-mapper" fail "held by dm-0" -- "$SETUP" $BDF

make_machine
mv "$TMP/sys/bus/pci/devices/$BDF/nvme/nvme0/nvme0n1" "$TMP/sys/bus/pci/devices/$BDF/nvme/nvme0/nvme0c0n1"
echo "/dev/nvme0n1 /data xfs rw 0 0" >> "$TMP/proc/mounts"
expect "setup maps a multipath path (nvme0c0n1) to its mounted device" fail "mounted" -- "$SETUP" $BDF

make_machine
echo 0x020000 > "$TMP/sys/bus/pci/devices/$BDF/class"
expect "setup refuses a device that is not NVMe" fail "not an NVMe controller" -- "$SETUP" $BDF
expect "setup refuses a malformed address" fail "not a PCI address" -- "$SETUP" "../../etc"
expect "setup refuses an absent device" fail "no PCI device" -- "$SETUP" 0000:09:00.0
expect "setup without arguments prints usage" fail "usage:" -- "$SETUP"

make_machine
rmdir "$TMP/sys/kernel/iommu_groups/7"
expect "setup refuses when no IOMMU is active" fail "no IOMMU is active" -- "$SETUP" $BDF
expect "setup --no-iommu warns loudly" ok "WARNING" -- "$SETUP" $BDF --no-iommu --dry-run

make_machine
expect "setup dry-run lists the steps" ok "would write 'vfio-pci' to $TMP/sys/bus/pci/devices/$BDF/driver_override" -- "$SETUP" $BDF --dry-run
check "setup dry-run changes nothing" test ! -s "$TMP/sys/bus/pci/devices/$BDF/driver_override"
expect "setup binds a free controller" ok "bound to vfio-pci" -- "$SETUP" 01:00.0
check "setup wrote driver_override" grep -qx vfio-pci "$TMP/sys/bus/pci/devices/$BDF/driver_override"
check "setup unbound the nvme driver" grep -qx $BDF "$TMP/sys/bus/pci/drivers/nvme/unbind"
check "setup asked the kernel to probe the device" grep -qx $BDF "$TMP/sys/bus/pci/drivers_probe"

make_machine
bind_to vfio-pci
echo vfio-pci > "$TMP/sys/bus/pci/devices/$BDF/driver_override"
ln -s /dev/vfio/7 "$TMP/proc/1/fd/5"
expect "restore refuses while the VFIO group is open" fail "still open by process(es) 1" -- "$RESTORE" $BDF
rm "$TMP/proc/1/fd/5"
expect "restore dry-run lists the steps" ok "would write '$BDF' to $TMP/sys/bus/pci/drivers_probe" -- "$RESTORE" $BDF --dry-run
check "restore dry-run changes nothing" grep -qx vfio-pci "$TMP/sys/bus/pci/devices/$BDF/driver_override"
expect "restore hands the controller back" ok "handed back" -- "$RESTORE" $BDF
check "restore cleared driver_override" test "$(cat "$TMP/sys/bus/pci/devices/$BDF/driver_override")" = ""
check "restore unbound vfio-pci" grep -qx $BDF "$TMP/sys/bus/pci/drivers/vfio-pci/unbind"

make_machine
bind_to ahci
expect "restore leaves a device on another driver alone" fail "bound to ahci" -- "$RESTORE" $BDF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
