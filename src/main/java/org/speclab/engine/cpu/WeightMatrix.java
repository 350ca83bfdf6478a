package org.speclab.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.speclab.engine.EngineException;
import org.speclab.gguf.GgmlType;
import org.speclab.model.Tensor;
import org.speclab.quant.BlockCodec;
import org.speclab.quant.WeightType;

/**
 * A {@code rows × cols} weight matrix stored in one ggml type, read in place from the mapped file.
 * Each type is one small class: {@code get} for single elements, {@code dot} (Vector API) for a row
 * times a vector, and {@code dotScalar}, the plain left-to-right reference the vector path is
 * tested against.
 */
public sealed interface WeightMatrix permits WeightMatrix.F32, WeightMatrix.F16, WeightMatrix.BF16, WeightMatrix.Q8_0, WeightMatrix.Q4_0, WeightMatrix.Q4_1, WeightMatrix.KQuant, WeightMatrix.Quantized, WeightMatrix.Native {
    ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    int rows();

    int cols();

    MemorySegment data();

    float get(long index);

    /** Row {@code row} times {@code x[0 .. cols)}. */
    float dot(int row, float[] x);

    /** The reference: every element through {@link #get}, summed in order. */
    default float dotScalar(int row, float[] x) {
        long base = (long) row * cols();
        float sum = 0f;
        for (int j = 0; j < cols(); j++) sum += get(base + j) * x[j];
        return sum;
    }

    /**
     * The row as the float weights {@link #dot} multiplies: {@code VectorDot.dense(row, x)} gives
     * exactly {@code dot(row, x)}, which lets a batch dequantize a row once for all its positions.
     */
    default void row(int row, float[] out) {
        long base = (long) row * cols();
        for (int j = 0; j < cols(); j++) out[j] = get(base + j);
    }

    /** Whether {@link #dotBatch} has a kernel for this type and width (otherwise the caller dequantizes rows). */
    default boolean batchable() { return false; }

    /**
     * Positions {@link #dotBatch} serves per formed weight vector: 4, or 5 where forming the weights
     * is dear (F16, Q8_0), so that a k = 4 verify (five positions) forms each weight once.
     */
    default int batchGroup() { return 4; }

    /**
     * out[p][row] = row · x[p] for p < t, each weight vector formed once per four
     * positions, bit-identical to t calls of {@link #dot}.
     */
    default void dotBatch(int row, float[][] x, int t, float[][] out) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no batched kernel");
    }

    /**
     * Batches this long or longer dequantize each row once and share it, rather than forming the
     * weights in the batched kernel once per four positions: worth it where forming is dear (F16's
     * conversion); for Q8_0/Q4_0 the fused kernels stay faster at any length (measured, pp64).
     */
    default int dequantizeOnceFrom() { return Integer.MAX_VALUE; }

    /** Bytes one full pass over the matrix reads. */
    default long byteSize() { return data().byteSize(); }

    /** The Java Vector API kernels for this tensor. */
    static WeightMatrix of(Tensor t) { return of(t, null, null); }

    /**
     * The native integer kernels where {@code kernels} is given and handles the type (packed copies in
     * {@code arena}, which the caller closes with the model; none where it is null), else the Java ones.
     */
    static WeightMatrix of(Tensor t, NativeKernels kernels, java.lang.foreign.Arena arena) {
        long[] s = t.shape();
        int cols = Math.toIntExact(s[0]);
        int rows = Math.toIntExact(t.info().rows());
        // rows reordered by an importer are put in order once, off the heap
        MemorySegment d = t.rowOrder() == null ? t.data() : t.contiguous(java.lang.foreign.Arena.ofAuto());
        if (kernels != null && NativeKernels.handles(t.type(), cols)) return new Native(d, rows, cols, BlockCodec.of(t.type()), kernels, arena);
        return switch (t.type()) {
            case F32 -> new F32(d, rows, cols);
            case F16 -> new F16(d, rows, cols);
            case BF16 -> new BF16(d, rows, cols);
            // fused block kernels on 512-bit vectors; Q8_0's also at 256 and 128 bits, Q4_0's at 128 (where each
            // measured faster than its row form; a fused 256-bit Q4_0 did not); the rest dequantize rows in vector lanes
            case Q8_0 -> VectorDot.LANES == 16 || VectorDot.LANES == 8 || VectorDot.LANES == 4 ? new Q8_0(d, rows, cols) : quantized(d, rows, cols, t);
            case Q4_0 -> VectorDot.LANES == 16 || VectorDot.LANES == 4 ? new Q4_0(d, rows, cols) : quantized(d, rows, cols, t);
            case Q4_K, Q6_K -> VectorDot.LANES == 16 ? new KQuant(d, rows, cols, BlockCodec.of(t.type())) : quantized(d, rows, cols, t);
            case Q4_1 -> VectorDot.LANES == 16 ? new Q4_1(d, rows, cols) : quantized(d, rows, cols, t);
            case Q5_0, Q5_1, Q5_K, Q2_K, Q3_K, IQ4_NL, IQ4_XS -> quantized(d, rows, cols, t);
            // every other type SpecLab reads: each row dequantized by its codec, then the dense kernels
            default -> {
                WeightType w = WeightType.of(t.type());
                if (w == null) throw new EngineException("tensor " + t.name() + ": weight type " + t.type()
                        + " is not supported by the CPU engine (supported: " + WeightType.names(WeightType.readable()) + ")");
                BlockCodec codec = w.codec;
                yield new Quantized(d, rows, cols, codec, (m, off, out, n) -> codec.dequantize(m, off, out, 0, n));
            }
        };
    }

    record F32(MemorySegment data, int rows, int cols) implements WeightMatrix {
        @Override
        public float get(long i) { return data.getAtIndex(FLOAT, i); }

        @Override
        public float dot(int row, float[] x) { return VectorDot.f32(data, 4L * row * cols, x, cols); }

        @Override
        public void row(int row, float[] out) { MemorySegment.copy(data, FLOAT, 4L * row * cols, out, 0, cols); }

        @Override
        public boolean batchable() { return VectorDot.batchable(cols); }

        @Override
        public void dotBatch(int row, float[][] x, int t, float[][] out) {
            VectorDot.f32Batch(data, 4L * row * cols, x, t, cols, out, row);
        }
    }

    record F16(MemorySegment data, int rows, int cols) implements WeightMatrix {
        @Override
        public float get(long i) { return Float.float16ToFloat(data.getAtIndex(SHORT, i)); }

        @Override
        public float dot(int row, float[] x) { return VectorDot.f16(data, 2L * row * cols, x, cols); }

        @Override
        public void row(int row, float[] out) {
            if (cols % VectorDot.LANES == 0) RowForms.f16Row(data, 2L * row * cols, out, cols);
            else WeightMatrix.super.row(row, out);
        }

        @Override
        public int dequantizeOnceFrom() { return 8; }

        @Override
        public boolean batchable() { return VectorDot.batchable(cols); }

        @Override
        public int batchGroup() { return 5; }

        @Override
        public void dotBatch(int row, float[][] x, int t, float[][] out) {
            VectorDot.f16Batch(data, 2L * row * cols, x, t, cols, out, row);
        }
    }

    record BF16(MemorySegment data, int rows, int cols) implements WeightMatrix {
        @Override
        public float get(long i) { return Float.intBitsToFloat(data.getAtIndex(SHORT, i) << 16); }

        @Override
        public float dot(int row, float[] x) { return VectorDot.bf16(data, 2L * row * cols, x, cols); }
    }

    record Q8_0(MemorySegment data, int rows, int cols) implements WeightMatrix {
        private static final int BLOCK = GgmlType.Q8_0.blockSize, BYTES = GgmlType.Q8_0.typeSize;

        private long rowOffset(int row) { return (long) BYTES * (cols / BLOCK) * row; }

        @Override
        public float get(long i) {
            long block = i / BLOCK;
            float d = Float.float16ToFloat(data.get(SHORT, block * BYTES));
            return data.get(ValueLayout.JAVA_BYTE, block * BYTES + 2 + i % BLOCK) * d;
        }

        @Override
        public float dot(int row, float[] x) { return VectorDot.q8_0(data, rowOffset(row), x, cols); }

        @Override
        public boolean batchable() { return VectorDot.LANES == 16; }

        @Override
        public int batchGroup() { return 5; }

        @Override
        public void dotBatch(int row, float[][] x, int t, float[][] out) {
            VectorDot.q8_0Batch(data, rowOffset(row), x, t, cols, out, row);
        }

        @Override
        public void row(int row, float[] out) { RowForms.q8_0Row(data, rowOffset(row), out, cols); }

        @Override
        public float dotScalar(int row, float[] x) { return VectorDot.q8_0Scalar(data, rowOffset(row), x, cols); }
    }

    record Q4_0(MemorySegment data, int rows, int cols) implements WeightMatrix {
        private static final int BLOCK = GgmlType.Q4_0.blockSize, BYTES = GgmlType.Q4_0.typeSize;

        private long rowOffset(int row) { return (long) BYTES * (cols / BLOCK) * row; }

        @Override
        public float get(long i) {
            long block = i / BLOCK;
            int k = (int) (i % BLOCK);
            float d = Float.float16ToFloat(data.get(SHORT, block * BYTES));
            int q = data.get(ValueLayout.JAVA_BYTE, block * BYTES + 2 + (k % 16)) & 0xff;
            return ((k < 16 ? q & 0xF : q >>> 4) - 8) * d;
        }

        @Override
        public float dot(int row, float[] x) { return VectorDot.q4_0(data, rowOffset(row), x, cols); }

        @Override
        public boolean batchable() { return VectorDot.LANES == 16; }

        @Override
        public void dotBatch(int row, float[][] x, int t, float[][] out) {
            VectorDot.q4_0Batch(data, rowOffset(row), x, t, cols, out, row);
        }

        @Override
        public void row(int row, float[] out) { RowForms.q4_0Row(data, rowOffset(row), out, cols); }
    }

    /** Q4_1 on 512-bit vectors: the fused kernel for one position, its row form (same bits) for batches. */
    record Q4_1(MemorySegment data, int rows, int cols) implements WeightMatrix {
        private static final int BLOCK = GgmlType.Q4_1.blockSize, BYTES = GgmlType.Q4_1.typeSize;

        private long rowOffset(int row) { return (long) BYTES * (cols / BLOCK) * row; }

        @Override
        public float get(long i) {
            long block = i / BLOCK;
            int k = (int) (i % BLOCK);
            float d = Float.float16ToFloat(data.get(SHORT, block * BYTES)), m = Float.float16ToFloat(data.get(SHORT, block * BYTES + 2));
            int q = data.get(ValueLayout.JAVA_BYTE, block * BYTES + 4 + (k % 16)) & 0xff;
            return (k < 16 ? q & 0xF : q >>> 4) * d + m;
        }

        @Override
        public float dot(int row, float[] x) { return VectorDot.q4_1(data, rowOffset(row), x, cols); }

        @Override
        public void row(int row, float[] out) { RowForms.q4_1Row(data, rowOffset(row), out, cols); }
    }

    /** Q4_K and Q6_K: fused vector kernels for one position; rows dequantized in vector lanes for batches. */
    record KQuant(MemorySegment data, int rows, int cols, BlockCodec codec) implements WeightMatrix {
        private long rowBytes() { return codec.type().byteSize(cols); }

        @Override
        public float get(long i) {
            float[] row = new float[cols];
            row((int) (i / cols), row);
            return row[(int) (i % cols)];
        }

        @Override
        public float dot(int row, float[] x) {
            return codec.type() == GgmlType.Q4_K ? VectorDot.q4_k(data, row * rowBytes(), x, cols)
                    : VectorDot.q6_k(data, row * rowBytes(), x, cols);
        }

        @Override
        public float dotScalar(int row, float[] x) {
            float[] w = new float[cols];
            codec.dequantize(data, row * rowBytes(), w, 0, cols); // ggml's reference, not the vector form
            float sum = 0f;
            for (int j = 0; j < cols; j++) sum += w[j] * x[j];
            return sum;
        }

        @Override
        public void row(int row, float[] out) {
            // the vector forms of the fused kernels' weights: a batched matmul dequantizes each row once per call
            if (codec.type() == GgmlType.Q4_K) RowForms.q4_kRow(data, row * rowBytes(), out, cols);
            else RowForms.q6_kRow(data, row * rowBytes(), out, cols);
        }
    }

    /** Dequantizes one row of a block format into floats ({@link RowForms}). */
    interface RowForm {
        void row(MemorySegment w, long off, float[] out, int n);
    }

    /**
     * The vector row form up to 16 lanes (it widens 16-byte units); wider vectors (1024- or 2048-bit
     * SVE) take the codec's scalar dequantization.
     */
    private static RowForm rowForm(Tensor t) {
        if (VectorDot.LANES <= 16) return RowForms.of(t.type());
        BlockCodec codec = BlockCodec.of(t.type());
        return (w, off, out, n) -> codec.dequantize(w, off, out, 0, n);
    }

    /** A block type's rows dequantized per row ({@link #rowForm}), then the dense kernels. */
    private static Quantized quantized(MemorySegment d, int rows, int cols, Tensor t) {
        return new Quantized(d, rows, cols, BlockCodec.of(t.type()), rowForm(t));
    }

    /**
     * Block types at vector widths their fused kernels do not take: each row is dequantized in vector
     * lanes, then multiplied with the dense vector path, one position or a whole batch alike.
     * {@code get} (and so {@link #dotScalar}) stays the codec's scalar reference.
     */
    record Quantized(MemorySegment data, int rows, int cols, BlockCodec codec, RowForm form) implements WeightMatrix {
        private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[256]);
        private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][0]);

        private long rowBytes() { return codec.type().byteSize(cols); }

        @Override
        public float get(long i) {
            int bs = codec.type().blockSize;
            long row = i / cols, col = i % cols, block = col / bs;
            float[] tmp = BLOCK.get();
            codec.dequantize(data, row * rowBytes() + block * codec.type().typeSize, tmp, 0, bs);
            return tmp[(int) (col % bs)];
        }

        @Override
        public float dot(int row, float[] x) {
            float[][] holder = ROW.get();
            if (holder[0].length < cols) holder[0] = new float[cols];
            row(row, holder[0]);
            return VectorDot.dense(holder[0], x, 0, cols);
        }

        @Override
        public void row(int row, float[] out) {
            form.row(data, row * rowBytes(), out, cols);
        }
    }

    /**
     * Block types on the native integer kernels: a matrix product quantizes each position's
     * activations once ({@link QuantizedActivations}) and multiplies integers, rows split across
     * threads (CpuTransformer); {@code get} and {@code row} stay the codec's reference dequantization.
     */
    record Native(MemorySegment data, int rows, int cols, BlockCodec codec, NativeKernels kernels, MemorySegment packed) implements WeightMatrix {
        /** The matrix on {@code kernels}, its whole groups of 16 rows repacked (where the type {@link NativeKernels#packs}) into memory of {@code arena}. */
        Native(MemorySegment data, int rows, int cols, BlockCodec codec, NativeKernels kernels, java.lang.foreign.Arena arena) {
            this(data, rows, cols, codec, kernels, pack(data, rows, cols, codec, kernels, arena));
        }

        /** As above, the packed copy freed when it is no longer reachable (tests, probes). */
        Native(MemorySegment data, int rows, int cols, BlockCodec codec, NativeKernels kernels) {
            this(data, rows, cols, codec, kernels, java.lang.foreign.Arena.ofAuto());
        }

        private static MemorySegment pack(MemorySegment data, int rows, int cols, BlockCodec codec, NativeKernels kernels, java.lang.foreign.Arena arena) {
            int groups = rows / NativeKernels.PACK_ROWS;
            if (arena == null || !kernels.packs(codec.type()) || groups == 0) return null; // no arena: rows read one at a time only
            long rowBytes = codec.type().byteSize(cols);
            MemorySegment packed = arena.allocate(kernels.packedBytes(codec.type(), rowBytes, rows), 64);
            kernels.pack(codec.type(), data, rowBytes, rows, packed);
            // the packed copy is what the products read: the file's pages of it need not stay in memory
            if (data.isMapped()) data.asSlice(0, rowBytes * groups * NativeKernels.PACK_ROWS).unload();
            return packed;
        }

        long rowBytes() { return codec.type().byteSize(cols); }

        /** Rows the packed copy holds (whole groups of 16); the rest are multiplied from {@link #data}. */
        int packedRows() { return packed == null ? 0 : rows / NativeKernels.PACK_ROWS * NativeKernels.PACK_ROWS; }

        @Override
        public float get(long i) {
            int bs = codec.type().blockSize;
            long row = i / cols, col = i % cols, block = col / bs;
            float[] tmp = new float[bs];
            codec.dequantize(data, row * rowBytes() + block * codec.type().typeSize, tmp, 0, bs);
            return tmp[(int) (col % bs)];
        }

        /** One row times one vector: what a matrix product gives for it (a probe, not the hot path). */
        @Override
        public float dot(int row, float[] x) {
            QuantizedActivations a = new QuantizedActivations();
            a.prepare(this, new float[][] {x}, 1);
            java.lang.foreign.MemorySegment out = a.out(rows);
            a.multiply(this, row, row + 1, 1, out);
            return out.getAtIndex(ValueLayout.JAVA_FLOAT, row);
        }

        @Override
        public void row(int row, float[] out) { codec.dequantize(data, row * rowBytes(), out, 0, cols); }
    }
}
