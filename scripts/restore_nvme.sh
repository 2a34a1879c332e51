#!/usr/bin/env bash
# Hands an NVMe controller back from vfio-pci to the kernel's nvme driver. Refuses while a process
# still holds the controller's VFIO group open (a Sluice run is using it).
set -euo pipefail
. "$(dirname "$0")/nvme_common.sh"

usage() {
    cat << 'USAGE'
usage: restore_nvme.sh BDF [--dry-run]
  BDF         the controller's PCI address, such as 0000:01:00.0
  --dry-run   print what would be done, change nothing
USAGE
}
handle_option() { return 1; }

# PIDs holding /dev/vfio/GROUP or /dev/vfio/noiommu-GROUP open.
group_users() {
    local group=$1 process fd
    for process in "$PROC_ROOT"/[0-9]*; do
        for fd in "$process"/fd/*; do
            case $(readlink "$fd" 2> /dev/null) in
                /dev/vfio/"$group" | /dev/vfio/noiommu-"$group") echo -n "${process##*/} "; break ;;
            esac
        done
    done
}

parse_args "$@"
driver=$(current_driver)
if [ "$driver" = nvme ]; then
    echo "$BDF is already bound to nvme"
    exit 0
fi
[ -z "$driver" ] || [ "$driver" = vfio-pci ] || die "$BDF is bound to $driver, not vfio-pci; leaving it alone"
group=$(basename "$(readlink "$DEVICE_DIR/iommu_group" 2> /dev/null)" 2> /dev/null || true)
if [ -n "$group" ]; then
    users=$(group_users "$group")
    [ -z "$users" ] || die "VFIO group $group of $BDF is still open by process(es) $users; stop them first"
fi

write_sysfs "" "$DEVICE_DIR/driver_override"
[ -z "$driver" ] || write_sysfs "$BDF" "$DEVICE_DIR/driver/unbind"
run_step "$MODPROBE" nvme
write_sysfs "$BDF" "$SYSFS_ROOT/bus/pci/drivers_probe"
[ "$DRY_RUN" = 1 ] || echo "$BDF is handed back to the kernel's nvme driver"
