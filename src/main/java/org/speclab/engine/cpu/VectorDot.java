package org.speclab.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API dot products of one weight row (read in place from the mapped file) with a float32
 * activation vector. The lane layout depends only on the row length, never on which batch or
 * thread asks, so results are bit-identical across batch sizes and thread counts.
 */
final class VectorDot {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    /** Shorts that widen to one float vector. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, jdk.incubator.vector.VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Bytes that widen to one float vector. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, jdk.incubator.vector.VectorShape.forBitSize(F.vectorBitSize() / 4));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static final ThreadLocal<float[]> LANE_BUFFER = ThreadLocal.withInitial(() -> new float[LANES]);

    private VectorDot() {}

    /**
     * Adds the lanes left to right. FloatVector.reduceLanes(ADD) leaves the order unspecified, and
     * it does differ between interpreted and compiled code, which would break bit-identical results
     * across threads and batch sizes.
     */
    static float sum(FloatVector v) {
        float[] a = LANE_BUFFER.get();
        v.intoArray(a, 0);
        float s = 0f;
        for (int i = 0; i < LANES; i++) s += a[i];
        return s;
    }

    /** Σ w[off/4 + j] · x[j] for j < n, float32 weights. */
    static float f32(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, off + 4L * j, LE);
            acc = wv.fma(FloatVector.fromArray(F, x, j), acc);
        }
        float sum = sum(acc);
        for (; j < n; j++) sum += w.get(WeightMatrix.FLOAT, off + 4L * j) * x[j];
        return sum;
    }

    /** float16 weights: widened exactly (bits shifted into float32 position, scaled by 2^112). */
    static float f16(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES) {
            acc = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * j, LE)).fma(FloatVector.fromArray(F, x, j), acc);
        }
        float sum = sum(acc);
        for (; j < n; j++) sum += Float.float16ToFloat(w.get(WeightMatrix.SHORT, off + 2L * j)) * x[j];
        return sum;
    }

    static FloatVector halfToFloat(ShortVector h) {
        IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector mag = bits.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        FloatVector f = mag.reinterpretAsFloats().mul(0x1p112f);
        return f.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    /** bfloat16 weights: the upper half of a float32. */
    static float bf16(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * j, LE).convertShape(VectorOperators.S2I, I, 0);
            acc = bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, j), acc);
        }
        float sum = sum(acc);
        for (; j < n; j++) sum += Float.intBitsToFloat(w.get(WeightMatrix.SHORT, off + 2L * j) << 16) * x[j];
        return sum;
    }

    /** Q8_0 blocks {f16 d; int8 q[32]}: per block Σ q·x, then scaled by d. */
    static float q8_0(MemorySegment w, long off, float[] x, int n) {
        float sum = 0f;
        if (LANES > 32 || 32 % LANES != 0) return q8_0Scalar(w, off, x, n);
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 34L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo));
            FloatVector acc = FloatVector.zero(F);
            for (int k = 0; k < 32; k += LANES) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, bo + 2 + k, LE).convertShape(VectorOperators.B2F, F, 0);
                acc = q.fma(FloatVector.fromArray(F, x, j + k), acc);
            }
            sum += d * sum(acc);
        }
        return sum;
    }

    static float q8_0Scalar(MemorySegment w, long off, float[] x, int n) {
        float sum = 0f;
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 34L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)), s = 0f;
            for (int k = 0; k < 32; k++) s += w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, bo + 2 + k) * x[j + k];
            sum += d * s;
        }
        return sum;
    }

    /** Dense float block (a dequantized block) times x[j..j+n). */
    static float dense(float[] w, float[] x, int j, int n) {
        FloatVector acc = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += LANES) {
            acc = FloatVector.fromArray(F, w, k).fma(FloatVector.fromArray(F, x, j + k), acc);
        }
        float sum = sum(acc);
        for (; k < n; k++) sum += w[k] * x[j + k];
        return sum;
    }
}
