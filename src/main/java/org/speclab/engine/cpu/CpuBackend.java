package org.speclab.engine.cpu;

import org.speclab.engine.Backend;
import org.speclab.engine.Transformer;
import org.speclab.model.ModelFile;

/** The CPU: always available. */
public final class CpuBackend implements Backend {
    private final NativeKernels kernels;

    /** Quantized weights on the native integer kernels where they load ({@link #kernelStatus()}), else on the Java ones. */
    public CpuBackend() { this(NativeKernels.get()); }

    private CpuBackend(NativeKernels kernels) { this.kernels = kernels; }

    /** Every weight type on the Java Vector API kernels (the fallback, tested beside the native kernels). */
    public static CpuBackend javaKernels() { return new CpuBackend(null); }

    /** One line: which kernels quantized weights run on, and why. */
    public static String kernelStatus() { return NativeKernels.status(); }

    @Override
    public String name() { return "cpu"; }

    @Override
    public Transformer load(ModelFile model, int threads) {
        return new CpuTransformer(model, threads, kernels);
    }

    /** The vector width the kernels use (the preferred species unless {@code speclab.vector.bits} narrows it). */
    public static int vectorBits() { return VectorDot.bits(); }

    /**
     * {@code --threads}: all cores when not given; refused below 1 or above four per core (a
     * thousand spinning workers on two cores would look like a hang).
     */
    public static int threads(Integer asked) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (asked == null) return defaultThreads();
        if (asked < 1 || asked > 4 * cores) {
            throw new IllegalArgumentException("--threads must be between 1 and " + 4 * cores + " (four per core; this machine has " + cores + "), found " + asked);
        }
        return asked;
    }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
