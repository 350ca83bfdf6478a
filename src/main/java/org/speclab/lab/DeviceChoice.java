package org.speclab.lab;

import java.util.function.Consumer;
import org.speclab.engine.Backend;
import org.speclab.engine.EngineException;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.engine.cuda.CudaBackend;
import org.speclab.engine.cuda.CudaProbe;

/**
 * The one place a device name ({@code cpu}, {@code cuda}, {@code cuda:N}) becomes a {@link Backend},
 * for the CLI and the lab alike. Where CUDA is absent the probe's one-line reason is given: either
 * as a warning before falling back to the CPU, or as the error, as the caller chooses.
 */
public final class DeviceChoice {
    private DeviceChoice() {}

    /**
     * @param fallBackToCpu when CUDA is asked for but unavailable: true runs on the CPU after telling
     *                      {@code warn} why; false throws an {@link EngineException} saying why
     */
    public static Backend choose(String device, boolean fallBackToCpu, Consumer<String> warn) {
        String d = device == null ? "cpu" : device.trim().toLowerCase(java.util.Locale.ROOT);
        if (d.equals("cpu")) return new CpuBackend();
        if (!d.matches("cuda(:\\d{1,3})?")) throw new IllegalArgumentException("--device must be cpu or cuda[:N], found '" + device + "'");
        int index = d.equals("cuda") ? 0 : Integer.parseInt(d.substring(5));
        CudaProbe.Result probe;
        try {
            probe = CudaProbe.probe();
        } catch (LinkageError e) { // the probe catches these itself; this is the last net
            probe = new CudaProbe.Result(false, java.util.List.of(), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (!probe.available()) {
            if (!fallBackToCpu) throw new EngineException("--device " + d + ": CUDA not available: " + probe.reason());
            warn.accept("speclab: warning: CUDA not available: " + probe.reason() + "; running on the cpu");
            return new CpuBackend();
        }
        int count = probe.devices().size();
        if (index >= count) {
            throw new EngineException("--device " + d + ": no such device (this machine has " + count + " CUDA device" + (count == 1 ? "" : "s")
                    + ": cuda:0" + (count > 1 ? "..cuda:" + (count - 1) : "") + ")");
        }
        return new CudaBackend(index);
    }
}
