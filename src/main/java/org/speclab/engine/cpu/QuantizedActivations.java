package org.speclab.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The input of a native matrix product: T positions of n floats, quantized once per product to
 * int8 blocks of 32 (a float scale each and their sums; layout in native/cpu/kernels.c), in off-heap buffers kept between
 * calls and grown when a longer batch or a wider matrix needs more. One per transformer workspace
 * (forward passes of one transformer do not overlap); the workers only read it.
 */
final class QuantizedActivations {
    private MemorySegment x = MemorySegment.NULL, act = MemorySegment.NULL, out = MemorySegment.NULL;
    private long n, values, actBytes;
    private int t;
    private NativeKernels kernels;
    private boolean quantized;
    /** Blocks of 32 that share one scale ({@link #span}). */
    private int span = 1;
    /** Whether the quantization made the transposed copy the row kernels read for eight positions or more. */
    private boolean transposed;
    /** Where the input buffers come from (a test puts them against an unreadable page, so a kernel reading past its positions faults). */
    private final java.util.function.LongFunction<MemorySegment> allocate;
    /** Positions quantized together: the native layout's groups of eight (sl_quantize_part). */
    private static final int PART = 8;

    QuantizedActivations() {
        this(bytes -> Arena.ofAuto().allocate(bytes, 64));
    }

    QuantizedActivations(java.util.function.LongFunction<MemorySegment> allocate) {
        this.allocate = allocate;
    }

    /**
     * Blocks of 32 values per activation scale for products with {@code mats}: 8 (a super-block of 256) where any of
     * them has packed Q6_K, Q3_K or Q2_K rows, whose kernels apply one activation scale per super-block (as llama.cpp's
     * Q8_K; native/cpu/kernels.c), else 1. The other kernels read each block's scale and take either.
     */
    static int span(WeightMatrix.Native... mats) {
        for (WeightMatrix.Native w : mats) if (superBlockScale(w.codec().type()) && w.packedRows() > 0) return 8;
        return 1;
    }

    /** The types whose packed kernels take one activation scale per super-block. */
    static boolean superBlockScale(org.speclab.gguf.GgmlType type) {
        return switch (type) {
            case Q6_K, Q3_K, Q2_K -> true;
            default -> false;
        };
    }

    /** Takes x[0 .. t) (each as wide as {@code w}) and quantizes them for products with {@code w} where it takes quantized ones. */
    void prepare(WeightMatrix.Native w, float[][] x, int t) {
        prepare(w.kernels(), x, t, w.cols(), w.codec().type() != org.speclab.gguf.GgmlType.F16, null, true, span(w));
    }

    /**
     * As above, with long batches (prefill) copied and quantized by the pool's threads, in parts of whole
     * groups of eight positions (each position's values are the same whichever thread quantizes them).
     * {@code rowKernels}: whether any product of these activations runs rows that are not packed (the
     * row kernels, which read a transposed copy for eight positions or more; making it is skipped otherwise).
     * {@code span}: blocks per scale ({@link #span} of the products' matrices).
     */
    void prepare(NativeKernels kernels, float[][] x, int t, int n, boolean quantize, WorkerPool pool, boolean rowKernels, int span) {
        long values = (long) t * n;
        if (this.x.byteSize() < 4 * values) this.x = allocate.apply(4 * values);
        // the buffer's layout depends on the shape only: asked of the library when the shape changes
        if (values != this.values || n != this.n) actBytes = kernels.activationBytes(values, n);
        if (act.byteSize() < actBytes) act = allocate.apply(actBytes);
        int parts = pool == null || pool.size() == 1 || t < CpuTransformer.PARALLEL_POSITIONS ? 1 : Math.min(pool.size(), t / PART);
        java.util.function.IntConsumer part = i -> {
            // part i: groups of eight [groups · i / parts, groups · (i + 1) / parts), the last ending at t
            int groups = (t + PART - 1) / PART;
            int p0 = PART * (int) ((long) groups * i / parts), p1 = Math.min(t, PART * (int) ((long) groups * (i + 1) / parts));
            for (int p = p0; p < p1; p++) MemorySegment.copy(x[p], 0, this.x, ValueLayout.JAVA_FLOAT, 4L * p * n, n);
            if (quantize) kernels.quantize(this.x, values, n, act, actBytes, p0, p1, rowKernels, span);
        };
        if (parts == 1) part.accept(0);
        else pool.runPieces(parts, part);
        this.quantized = quantize;
        this.span = span;
        this.transposed = quantize && rowKernels;
        this.kernels = kernels;
        this.n = n;
        this.t = t;
        this.values = values;
    }

    /**
     * Makes room for {@code t} positions of {@code n} floats without filling them: the threads of the product before
     * write each its range of every position's values into {@link #values} and, where {@code quantize} asks,
     * quantize it there ({@link #quantizeBlocks}). No transposed copy is made, so rows on the row kernels may take
     * these only for fewer than eight positions (multiply refuses otherwise). {@code span}: as {@link #prepare}'s; the
     * ranges given to {@link #quantizeBlocks} are then whole spans.
     */
    void begin(NativeKernels kernels, int t, int n, boolean quantize, int span) {
        long values = (long) t * n;
        if (this.x.byteSize() < 4 * values) this.x = allocate.apply(4 * values);
        if (values != this.values || n != this.n) actBytes = kernels.activationBytes(values, n);
        if (act.byteSize() < actBytes) act = allocate.apply(actBytes);
        this.quantized = quantize;
        this.span = span;
        this.transposed = false;
        this.kernels = kernels;
        this.n = n;
        this.t = t;
        this.values = values;
    }

    /** The float values of the positions {@link #begin} made room for: position p's value i at float p · n + i. */
    MemorySegment values() { return x; }

    /** Quantizes blocks {@code c0 ≤ c < c1} (of 32) of every position, once their floats are in {@link #values}; a no-op where begin asked for none. */
    void quantizeBlocks(int c0, int c1) {
        if (quantized) kernels.quantizeBlocks(x, values, n, act, actBytes, 0, t, c0, c1, span);
    }

    /** A float buffer of at least {@code floats} values for the products' results. */
    MemorySegment out(long floats) {
        if (out.byteSize() < 4 * floats) out = Arena.ofAuto().allocate(4 * floats, 64);
        return out;
    }

    /** out[p · rows + r] = row r of {@code w} · position p, for {@code from ≤ r < to}, the first {@code positions} positions. */
    void multiply(WeightMatrix.Native w, int from, int to, int positions, MemorySegment out) {
        if (w.cols() != n || positions > t) throw new IllegalStateException("activations of " + t + " × " + n + " cannot feed " + positions + " × " + w.cols());
        boolean f16 = w.codec().type() == org.speclab.gguf.GgmlType.F16;
        if (!f16 && !quantized) throw new IllegalStateException(w.codec().type() + " needs quantized activations");
        int packed = Math.min(to, w.packedRows());
        if (from < packed && span(w) > span) throw new IllegalStateException("packed " + w.codec().type() + " rows need activations with a scale per " + span(w) + " blocks, and these have one per " + span);
        if (from < packed) kernels.matmulPacked(w.codec().type(), w.packed(), w.rowBytes(), from, packed, f16 ? x : act, values, n, positions, out, w.rows());
        if (Math.max(from, packed) < to) {
            if (!f16 && positions >= 8 && !transposed) throw new IllegalStateException("rows " + Math.max(from, packed) + ".." + to + " of a " + w.codec().type() + " matrix run on the row kernels, which for " + positions + " positions may read the transposed activations, and these were prepared without them");
            kernels.matmul(w.codec().type(), w.data(), w.rowBytes(), Math.max(from, packed), to, f16 ? x : act, values, n, positions, out, w.rows());
        }
    }
}
