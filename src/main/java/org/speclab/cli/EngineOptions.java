package org.speclab.cli;

import java.util.function.Consumer;
import org.speclab.engine.Backend;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.lab.DeviceChoice;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares, declared and checked once (picocli mixins). */
final class EngineOptions {
    private EngineOptions() {}

    /** {@code --threads N}: CPU threads, refused beyond what the machine can use. */
    static final class Threads {
        @Option(names = "--threads", description = "CPU threads (default: all cores)")
        Integer threads;

        /** The thread count to run with (checked: one line where it makes no sense). */
        int count() { return CpuBackend.threads(threads); }
    }

    /** {@code --device cpu|cuda[:N]}. */
    static final class Device {
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE})")
        String device;

        /**
         * The backend for {@code --device}; where CUDA is asked for but missing, {@code fallback} runs on
         * the CPU after one line to {@code warn} (generation), otherwise it is an error (measurements).
         */
        Backend backend(boolean fallback, Consumer<String> warn) { return DeviceChoice.choose(device, fallback, warn); }
    }
}
