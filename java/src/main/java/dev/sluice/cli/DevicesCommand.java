package dev.sluice.cli;

import dev.sluice.Device;
import dev.sluice.nativeapi.NativeDevices;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sluice devices}: the backends and devices found on this machine. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List the CPU and CUDA devices found.")
final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Device> devices = NativeDevices.list();
        for (Device d : devices) {
            if (d.backend().equals("cpu")) {
                out.printf("cpu:0  %s  %d cores  %s RAM (%s available)  [%s]%n", d.name(), d.cores(),
                        Sizes.human(d.totalMemory()), Sizes.human(d.freeMemory()), d.cpuFeatures());
            } else {
                out.printf("cuda:%d  %s  compute %s  %d SMs  %s VRAM (%s free)%n", d.ordinal(), d.name(),
                        d.computeCapability(), d.cores(), Sizes.human(d.totalMemory()), Sizes.human(d.freeMemory()));
            }
        }
        NativeDevices.cudaUnavailableReason().ifPresent(reason -> out.println("cuda: unavailable: " + reason));
        return 0;
    }
}
