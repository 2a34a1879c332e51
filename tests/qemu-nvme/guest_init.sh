#!/bin/busybox sh
# /init of the test guest. The driver script fills in the @...@ values when it builds the initramfs.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

MODE=@MODE@
LBA=@LBA@
SERIAL=@SERIAL@
BLOCKS=@BLOCKS@
WINDOW="@WINDOW@"

load() {
    insmod "/modules/$1.ko" $2 || echo "FAIL insmod $1"
}

finish() {
    echo "guest done"
    poweroff -f
}

bdf=""
for dev in /sys/bus/pci/devices/*; do
    [ "$(cat "$dev/class")" = "0x010802" ] && bdf=${dev##*/}
done
[ -n "$bdf" ] || { echo "FAIL no NVMe controller in the guest"; finish; }
echo "NVMe controller at $bdf, mode $MODE"

# Bind to vfio-pci. The no-IOMMU variant is the user explicitly asking for the unsafe mode.
load irqbypass
if [ "$MODE" = noiommu ]; then load vfio enable_unsafe_noiommu_mode=1; else load vfio; fi
load vfio_iommu_type1
load vfio_virqfd
echo vfio-pci > "/sys/bus/pci/devices/$bdf/driver_override"
load vfio-pci-core
load vfio-pci
[ -e "/sys/bus/pci/drivers/vfio-pci/$bdf" ] || echo "$bdf" > /sys/bus/pci/drivers_probe
ls -l /dev/vfio

/guest_test vfio "$bdf" "$MODE" /models/model.gguf /models/other.gguf /models/prompt.json "$LBA" "$SERIAL" "$BLOCKS" $WINDOW

# Hand the controller back to the kernel's nvme driver and read the model through it.
echo "$bdf" > /sys/bus/pci/drivers/vfio-pci/unbind
echo > "/sys/bus/pci/devices/$bdf/driver_override"
for m in crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic crc64-rocksoft t10-pi nvme-core nvme; do
    load $m
done
tries=0
while [ ! -b /dev/nvme0n1 ] && [ $tries -lt 300 ]; do sleep 0.1; tries=$((tries + 1)); done
/guest_test block /dev/nvme0n1 /models/model.gguf "$LBA"
finish
