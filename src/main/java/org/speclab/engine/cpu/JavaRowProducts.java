package org.speclab.engine.cpu;

/**
 * Rows of a matrix product on the Java Vector API kernels (the fallback where the native kernels are absent, and F32,
 * BF16 and the types they lack), for the rows one thread takes: every position of the call served by each row.
 */
final class JavaRowProducts {
    private JavaRowProducts() {}

    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * One position: the fused kernel. Several: the batched kernel forms each weight vector once per
     * group of positions (a last lone position takes the fused kernel, which gives the same bits,
     * rather than a group's worth of wasted work); long batches of types whose weights are dear to form (F16), and
     * types without a batched kernel, dequantize each row once into a buffer and multiply it with
     * every position's vector — the same weights in the same lanes, so the same bits.
     */
    static void matmulRows(WeightMatrix w, float[][] x, float[][] out, int T, int from, int to) {
        if (T == 1) {
            for (int r = from; r < to; r++) out[0][r] = w.dot(r, x[0]);
        } else if (w.batchable() && T < w.dequantizeOnceFrom()) {
            batchedPath(w, x, out, T, from, to);
        } else {
            dequantizedPath(w, x, out, T, from, to);
        }
    }

    /** Short batches (verify): the kernels form each weight once per group of four (or five) positions. */
    private static void batchedPath(WeightMatrix w, float[][] x, float[][] out, int T, int from, int to) {
        int group = w.batchGroup();
        int whole = T % group == 1 ? T - 1 : T;
        for (int r = from; r < to; r++) {
            w.dotBatch(r, x, whole, out);
            if (whole < T) out[T - 1][r] = w.dot(r, x[T - 1]);
        }
    }

    /** Long batches (prefill) and types without batched kernels: each row dequantized once for all positions. */
    private static void dequantizedPath(WeightMatrix w, float[][] x, float[][] out, int T, int from, int to) {
        float[][] holder = ROW.get();
        if (holder[0].length < w.cols()) holder[0] = new float[w.cols()];
        if (holder[1].length < w.cols()) holder[1] = new float[w.cols()];
        float[] row = holder[0], next = holder[1];
        int r = from;
        if (w.cols() % VectorDot.LANES == 0) {
            for (; r + 1 < to; r += 2) { // rows in pairs: each activation vector loaded serves two rows
                w.row(r, row);
                w.row(r + 1, next);
                VectorDot.denseBatch2(row, next, x, T, w.cols(), out, r);
            }
            if (r < to) {
                w.row(r, row);
                VectorDot.denseBatch(row, x, T, w.cols(), out, r);
            }
            return;
        }
        for (; r < to; r++) {
            w.row(r, row);
            for (int t = 0; t < T; t++) out[t][r] = VectorDot.dense(row, x[t], 0, w.cols());
        }
    }
}
