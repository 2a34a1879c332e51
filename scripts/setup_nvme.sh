#!/usr/bin/env bash
# Binds an NVMe controller to vfio-pci for Sluice's userspace driver. Refuses a controller whose
# storage is in use (mounted, swap, root, device-mapper). Undo with scripts/restore_nvme.sh.
set -euo pipefail
. "$(dirname "$0")/nvme_common.sh"

NO_IOMMU=0
usage() {
    cat << 'USAGE'
usage: setup_nvme.sh BDF [--dry-run] [--no-iommu]
  BDF         the controller's PCI address, such as 0000:01:00.0 (see lspci -D | grep -i nvme)
  --dry-run   print what would be done, change nothing
  --no-iommu  UNSAFE: enable vfio's no-IOMMU mode for machines without an IOMMU (the drive can
              then DMA anywhere in memory); Sluice needs a DMA window reserved with memmap= too
USAGE
}
handle_option() {
    case $1 in --no-iommu) NO_IOMMU=1 ;; *) return 1 ;; esac
}

parse_args "$@"
driver=$(current_driver)
if [ "$driver" = vfio-pci ]; then
    echo "$BDF is already bound to vfio-pci"
    exit 0
fi
check_not_in_use

if [ "$NO_IOMMU" = 1 ]; then
    echo "WARNING: enabling VFIO no-IOMMU mode: $BDF will be able to DMA to ANY memory." >&2
    run_step "$MODPROBE" vfio enable_unsafe_noiommu_mode=1
    write_sysfs Y "$SYSFS_ROOT/module/vfio/parameters/enable_unsafe_noiommu_mode"
elif [ -z "$(ls "$SYSFS_ROOT/kernel/iommu_groups" 2> /dev/null)" ]; then
    die "no IOMMU is active (enable intel_iommu=on or amd_iommu=on on the kernel command line), or pass --no-iommu"
fi
run_step "$MODPROBE" vfio-pci
write_sysfs vfio-pci "$DEVICE_DIR/driver_override"
[ -z "$driver" ] || write_sysfs "$BDF" "$DEVICE_DIR/driver/unbind"
write_sysfs "$BDF" "$SYSFS_ROOT/bus/pci/drivers_probe"
[ "$DRY_RUN" = 1 ] || echo "$BDF is bound to vfio-pci (it was on ${driver:-no driver}); restore with scripts/restore_nvme.sh $BDF"
