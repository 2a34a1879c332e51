package dev.sluice.cli;

import dev.sluice.Device;
import dev.sluice.nativeapi.NativeDevices;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code sluice devices}: the backends and devices found on this machine. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List the CPU and CUDA devices found.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        List<Device> devices = NativeDevices.list();
        for (Device d : devices) {
            if (d.backend().equals("cpu")) {
                System.out.printf("cpu:0  %s  %d cores  %s RAM (%s available)  [%s]%n", d.name(), d.cores(),
                        Sizes.human(d.totalMemory()), Sizes.human(d.freeMemory()), d.cpuFeatures());
            } else {
                System.out.printf("cuda:%d  %s  compute %s  %d SMs  %s VRAM (%s free)%n", d.ordinal(), d.name(),
                        d.computeCapability(), d.cores(), Sizes.human(d.totalMemory()), Sizes.human(d.freeMemory()));
            }
        }
        NativeDevices.cudaUnavailableReason().ifPresent(reason -> System.out.println("cuda: unavailable: " + reason));
        return 0;
    }
}
