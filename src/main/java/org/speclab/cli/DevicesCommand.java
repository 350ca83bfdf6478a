package org.speclab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.speclab.engine.cuda.CudaProbe;
import picocli.CommandLine.Command;

/** {@code speclab devices}: the CPU, and CUDA devices or why there are none. Always exits 0. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List compute devices.")
final class DevicesCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @Override
    public Integer call() {
        cli.out.println("cpu     " + cpuDescription());
        CudaProbe.Result cuda = CudaProbe.probe();
        if (cuda.available()) {
            for (String d : cuda.devices()) cli.out.println(d);
        } else {
            cli.out.println("cuda    not available: " + cuda.reason());
        }
        return 0;
    }

    static String cpuDescription() {
        String name = System.getProperty("os.arch");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    name = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (Exception e) {
            // keep the architecture name
        }
        long ram = -1;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            ram = os.getTotalMemorySize();
        }
        String vector;
        try {
            vector = "Vector API " + org.speclab.engine.cpu.CpuBackend.vectorBits() + "-bit; quantized weights on " + org.speclab.engine.cpu.CpuBackend.kernelStatus();
        } catch (LinkageError e) {
            vector = "Vector API unavailable (run with --add-modules jdk.incubator.vector)";
        }
        return String.format("%s, %d cores, %s RAM, %s", name, Runtime.getRuntime().availableProcessors(),
                ram > 0 ? InfoCommand.human(ram) : "unknown", vector);
    }
}
