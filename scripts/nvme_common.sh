# Shared by setup_nvme.sh and restore_nvme.sh (sourced, not run): argument parsing, the safety
# checks that keep a drive in use away from vfio-pci, and dry-run aware actions.
# SYSFS_ROOT and PROC_ROOT (default /sys and /proc) let the tests point them at fake trees;
# MODPROBE (default modprobe) likewise.
SYSFS_ROOT=${SYSFS_ROOT:-/sys}
PROC_ROOT=${PROC_ROOT:-/proc}
MODPROBE=${MODPROBE:-modprobe}
DRY_RUN=0
BDF=""

die() {
    echo "error: $*" >&2
    exit 1
}

# Sets BDF, DRY_RUN and, through the callback handle_option, any script-specific flags.
parse_args() {
    while [ $# -gt 0 ]; do
        case $1 in
            --dry-run) DRY_RUN=1 ;;
            -h | --help) usage; exit 0 ;;
            --*) handle_option "$1" || die "unknown option $1 (see --help)" ;;
            *) [ -z "$BDF" ] || die "only one device at a time (got $BDF and $1)"; BDF=$1 ;;
        esac
        shift
    done
    [ -n "$BDF" ] || { usage >&2; exit 2; }
    case $BDF in ????:??:??.?) ;; ??:??.?) BDF=0000:$BDF ;; *) die "'$BDF' is not a PCI address such as 0000:01:00.0" ;; esac
    echo "$BDF" | grep -qiE '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$' || die "'$BDF' is not a PCI address such as 0000:01:00.0"
    DEVICE_DIR=$SYSFS_ROOT/bus/pci/devices/$BDF
    [ -d "$DEVICE_DIR" ] || die "no PCI device $BDF"
    [ "$(cat "$DEVICE_DIR/class" 2> /dev/null)" = "0x010802" ] || die "$BDF is not an NVMe controller (PCI class $(cat "$DEVICE_DIR/class" 2> /dev/null))"
}

current_driver() {
    [ -L "$DEVICE_DIR/driver" ] && basename "$(readlink "$DEVICE_DIR/driver")"
    return 0
}

# Block devices of the controller: namespaces and their partitions (nvme0n1, nvme0n1p2, ...); a
# multipath path name nvme0c0n1 stands for its shared device nvme0n1.
block_devices() {
    [ -d "$DEVICE_DIR/nvme" ] || return 0
    find "$DEVICE_DIR/nvme/" -mindepth 2 -maxdepth 3 -type d -name 'nvme*n*' -printf '%f\n' |
        sed -E 's/^(nvme[0-9]+)c[0-9]+(n[0-9]+)/\1\2/' | sort -u
}

# Refuses a controller whose storage is in use: mounted, swap, the root filesystem, or held by
# device-mapper / md / LVM.
check_not_in_use() {
    local dev root_dev holders
    root_dev=$(awk '$2 == "/" {print $1}' "$PROC_ROOT/mounts" 2> /dev/null | tail -1)
    for dev in $(block_devices); do
        [ "/dev/$dev" = "$root_dev" ] && die "$BDF holds the root filesystem (/dev/$dev); refusing"
        if awk -v d="/dev/$dev" '$1 == d {found = 1} END {exit !found}' "$PROC_ROOT/mounts" 2> /dev/null; then
            die "$BDF has a mounted filesystem: /dev/$dev on $(awk -v d="/dev/$dev" '$1 == d {print $2; exit}' "$PROC_ROOT/mounts"); unmount it first"
        fi
        if awk -v d="/dev/$dev" 'NR > 1 && $1 == d {found = 1} END {exit !found}' "$PROC_ROOT/swaps" 2> /dev/null; then
            die "$BDF holds active swap (/dev/$dev); run swapoff first"
        fi
        holders=$(ls "$SYSFS_ROOT/class/block/$dev/holders" 2> /dev/null | tr '\n' ' ')
        [ -z "$holders" ] || die "$BDF is in use: /dev/$dev is held by $holders(device-mapper, md or LVM); release it first"
    done
}

# Performs, or under --dry-run prints, one step.
write_sysfs() {  # value file
    if [ "$DRY_RUN" = 1 ]; then
        echo "would write '$1' to $2"
    else
        printf '%s\n' "$1" > "$2" || die "cannot write '$1' to $2"
    fi
}

run_step() {
    if [ "$DRY_RUN" = 1 ]; then
        echo "would run: $*"
    else
        "$@" || die "failed: $*"
    fi
}
