package org.speclab.engine.cpu;

import org.speclab.model.Tensor;

/** Test access to the package-private kernels. */
public final class KernelProbe {
    private KernelProbe() {}

    public static WeightMatrix matrix(Tensor t) {
        return WeightMatrix.of(t);
    }

    public static float dense(float[] row, float[] x) {
        return VectorDot.dense(row, x, 0, row.length);
    }
}
