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
        return load(model, threads, org.speclab.engine.CacheType.F32);
    }

    @Override
    public Transformer load(ModelFile model, int threads, org.speclab.engine.CacheType cache) {
        return new CpuTransformer(model, threads, kernels, cache);
    }

    /** The vector width the kernels use (the preferred species unless {@code speclab.vector.bits} narrows it). */
    public static int vectorBits() { return VectorDot.bits(); }

    /** Worker threads per core at most: more only adds spinning workers that take turns on the cores. */
    public static final int THREADS_PER_CORE = 4;

    /**
     * The most threads a model may run with here: four per core. A thousand workers spinning on two
     * cores would not fail, they would crawl (a decode step waits for every piece of every product),
     * which looks like a hang; every pool is checked against this ({@link #threadCountProblem}).
     */
    public static int maxThreads() { return THREADS_PER_CORE * Runtime.getRuntime().availableProcessors(); }

    /**
     * Why {@code n} threads cannot run here, in words that follow an option's name ("must be …,
     * found n"), or null when they can. The CLI refuses {@code --threads} with it as it parses, the
     * engine before it starts a thread.
     */
    public static String threadCountProblem(long n) {
        if (n >= 1 && n <= maxThreads()) return null;
        int cores = Runtime.getRuntime().availableProcessors();
        return "must be between 1 and " + maxThreads() + " (" + THREADS_PER_CORE + " per core; this machine has "
                + cores + (cores == 1 ? " core" : " cores") + "), found " + n;
    }

    /** Threads when none are asked for: one per core. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
