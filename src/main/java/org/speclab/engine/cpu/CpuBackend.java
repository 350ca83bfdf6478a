package org.speclab.engine.cpu;

import org.speclab.engine.Backend;
import org.speclab.engine.Transformer;
import org.speclab.model.ModelFile;

/** The CPU: always available. */
public final class CpuBackend implements Backend {
    @Override
    public String name() { return "cpu"; }

    @Override
    public Transformer load(ModelFile model, int threads) {
        return new CpuTransformer(model, threads);
    }

    /** The vector width the kernels use (the preferred species unless {@code speclab.vector.bits} narrows it). */
    public static int vectorBits() { return VectorDot.bits(); }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
