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
    static final VectorSpecies<Float> F = species(Integer.getInteger("speclab.vector.bits", 0));
    static final int LANES = F.length();
    /** Shorts that widen to one float vector. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, jdk.incubator.vector.VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /**
     * Bytes that widen to one float vector on 512-bit machines, the width of the fused block kernels
     * (Q8_0's also runs at 256 bits, on 16-byte loads; WeightMatrix.of gives other widths and types
     * the row forms). At least 64 bits, the smallest
     * shape: 128-bit machines (Apple Silicon, SSE-only x86) would otherwise fail here, in a static initializer.
     */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, jdk.incubator.vector.VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    /** Sixteen bytes, the unit of the block formats' row forms and of the narrow-width fused kernels. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * The preferred species, or a narrower one when {@code -Dspeclab.vector.bits=128|256} asks:
     * that is how the tests run the 256- and 128-bit code paths (AVX2 PCs, Apple Silicon) on a
     * 512-bit machine. Wider than the hardware, or not a vector width, falls back to the preferred.
     */
    static VectorSpecies<Float> species(int bits) {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (bits < 128 || bits >= preferred.vectorBitSize() || Integer.bitCount(bits) != 1) return preferred;
        return VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(bits));
    }

    /** The vector width the CPU kernels use, in bits. */
    static int bits() { return F.vectorBitSize(); }

    /** Butterfly shuffles: lane i ↔ lane i ^ 2^k, for a fixed-order tree reduction. */
    private static final jdk.incubator.vector.VectorShuffle<Float>[] BUTTERFLY = butterflies();

    @SuppressWarnings("unchecked")
    private static jdk.incubator.vector.VectorShuffle<Float>[] butterflies() {
        int levels = Integer.numberOfTrailingZeros(LANES);
        jdk.incubator.vector.VectorShuffle<Float>[] b = new jdk.incubator.vector.VectorShuffle[levels];
        for (int k = 0; k < levels; k++) {
            int bit = LANES >> (k + 1);
            b[k] = jdk.incubator.vector.VectorShuffle.fromOp(F, i -> i ^ bit);
        }
        return b;
    }

    private VectorDot() {}

    /**
     * Adds the lanes in a fixed tree order (lane i with lane i ^ 8, then ^ 4, ^ 2, ^ 1). Not
     * FloatVector.reduceLanes(ADD): its order is unspecified and does differ between interpreted and
     * compiled code, which would break bit-identical results across threads and batch sizes.
     */
    static float sum(FloatVector v) {
        FloatVector s = v;
        for (jdk.incubator.vector.VectorShuffle<Float> b : BUTTERFLY) s = s.add(s.rearrange(b));
        return s.lane(0);
    }

    /** Σ w[off/4 + j] · x[j] for j < n, float32 weights. */
    static float f32(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int j = 0, bound = F.loopBound(n);
        for (; j + 2 * LANES <= bound; j += 2 * LANES) {
            acc0 = FloatVector.fromMemorySegment(F, w, off + 4L * j, LE).fma(FloatVector.fromArray(F, x, j), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, off + 4L * (j + LANES), LE).fma(FloatVector.fromArray(F, x, j + LANES), acc1);
        }
        if (j < bound) {
            acc0 = FloatVector.fromMemorySegment(F, w, off + 4L * j, LE).fma(FloatVector.fromArray(F, x, j), acc0);
            j += LANES;
        }
        float sum = sum(acc0.add(acc1));
        for (; j < n; j++) sum += w.get(WeightMatrix.FLOAT, off + 4L * j) * x[j];
        return sum;
    }

    /** float16 weights: widened exactly (bits shifted into float32 position, scaled by 2^112). */
    static float f16(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int j = 0, bound = F.loopBound(n);
        for (; j + 2 * LANES <= bound; j += 2 * LANES) {
            acc0 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * j, LE)).fma(FloatVector.fromArray(F, x, j), acc0);
            acc1 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (j + LANES), LE)).fma(FloatVector.fromArray(F, x, j + LANES), acc1);
        }
        if (j < bound) {
            acc0 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * j, LE)).fma(FloatVector.fromArray(F, x, j), acc0);
            j += LANES;
        }
        float sum = sum(acc0.add(acc1));
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
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int j = 0;
        for (int bound = F.loopBound(n), c = 0; j < bound; j += LANES, c++) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * j, LE).convertShape(VectorOperators.S2I, I, 0);
            FloatVector v = bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            if ((c & 1) == 0) acc0 = v.fma(FloatVector.fromArray(F, x, j), acc0);
            else acc1 = v.fma(FloatVector.fromArray(F, x, j), acc1);
        }
        float sum = sum(acc0.add(acc1));
        for (; j < n; j++) sum += Float.intBitsToFloat(w.get(WeightMatrix.SHORT, off + 2L * j) << 16) * x[j];
        return sum;
    }

    /**
     * Q8_0 blocks {f16 d; int8 q[32]}: each weight w = q·d is formed, then multiplied into the running
     * lanes exactly as {@link #dense} would with the dequantized row, so both give the same bits.
     */
    static float q8_0(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 34L * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)));
            if (LANES == 16) {
                FloatVector q0 = (FloatVector) ByteVector.fromMemorySegment(B, w, bo + 2, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector q1 = (FloatVector) ByteVector.fromMemorySegment(B, w, bo + 18, LE).convertShape(VectorOperators.B2F, F, 0);
                acc0 = q0.mul(d).fma(FloatVector.fromArray(F, x, j), acc0);
                acc1 = q1.mul(d).fma(FloatVector.fromArray(F, x, j + 16), acc1);
            } else if (LANES == 8) { // each 16-byte half widens in two parts; the chunks alternate between the accumulators as in dense
                ByteVector qa = ByteVector.fromMemorySegment(B16, w, bo + 2, LE), qb = ByteVector.fromMemorySegment(B16, w, bo + 18, LE);
                acc0 = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, j), acc0);
                acc1 = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, 1)).mul(d).fma(FloatVector.fromArray(F, x, j + 8), acc1);
                acc0 = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, j + 16), acc0);
                acc1 = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, 1)).mul(d).fma(FloatVector.fromArray(F, x, j + 24), acc1);
            } else { // 4 lanes: four parts per half
                ByteVector qa = ByteVector.fromMemorySegment(B16, w, bo + 2, LE), qb = ByteVector.fromMemorySegment(B16, w, bo + 18, LE);
                acc0 = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, j), acc0);
                acc1 = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, 1)).mul(d).fma(FloatVector.fromArray(F, x, j + 4), acc1);
                acc0 = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, 2)).mul(d).fma(FloatVector.fromArray(F, x, j + 8), acc0);
                acc1 = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, 3)).mul(d).fma(FloatVector.fromArray(F, x, j + 12), acc1);
                acc0 = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, j + 16), acc0);
                acc1 = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, 1)).mul(d).fma(FloatVector.fromArray(F, x, j + 20), acc1);
                acc0 = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, 2)).mul(d).fma(FloatVector.fromArray(F, x, j + 24), acc0);
                acc1 = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, 3)).mul(d).fma(FloatVector.fromArray(F, x, j + 28), acc1);
            }
        }
        return sum(acc0.add(acc1));
    }

    /** Q4_0 blocks {f16 d; u8 qs[16]}: low nibbles are elements 0..15, high nibbles 16..31, w = (q − 8)·d. */
    static float q4_0(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 18L * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)));
            if (LANES == 16) {
                ByteVector qs = ByteVector.fromMemorySegment(B, w, bo + 2, LE);
                FloatVector lo = (FloatVector) qs.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
                FloatVector hi = (FloatVector) qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
                acc0 = lo.mul(d).fma(FloatVector.fromArray(F, x, j), acc0);
                acc1 = hi.mul(d).fma(FloatVector.fromArray(F, x, j + 16), acc1);
            } else { // 4 lanes (the only other width given this kernel): the nibbles widened in four parts,
                // q − 8 taken in floats (exact), as the row form's bytes give it
                ByteVector qs = ByteVector.fromMemorySegment(B16, w, bo + 2, LE);
                ByteVector lo = qs.and((byte) 0x0F), hi = qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                acc0 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0)).sub(8f).mul(d).fma(FloatVector.fromArray(F, x, j), acc0);
                acc1 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 1)).sub(8f).mul(d).fma(FloatVector.fromArray(F, x, j + 4), acc1);
                acc0 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 2)).sub(8f).mul(d).fma(FloatVector.fromArray(F, x, j + 8), acc0);
                acc1 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 3)).sub(8f).mul(d).fma(FloatVector.fromArray(F, x, j + 12), acc1);
                acc0 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0)).sub(8f).mul(d).fma(FloatVector.fromArray(F, x, j + 16), acc0);
                acc1 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 1)).sub(8f).mul(d).fma(FloatVector.fromArray(F, x, j + 20), acc1);
                acc0 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 2)).sub(8f).mul(d).fma(FloatVector.fromArray(F, x, j + 24), acc0);
                acc1 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 3)).sub(8f).mul(d).fma(FloatVector.fromArray(F, x, j + 28), acc1);
            }
        }
        return sum(acc0.add(acc1));
    }

    /**
     * Q4_1 blocks {f16 d; f16 m; u8 qs[16]} (16 lanes): w = q·d + m, formed as {@link RowForms#q4_1Row}
     * forms it (q·d − (−m) is the same float), so its row form and dense give these bits.
     */
    static float q4_1(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 20L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)), m = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 2));
            ByteVector qs = ByteVector.fromMemorySegment(B, w, bo + 4, LE);
            FloatVector lo = (FloatVector) qs.and((byte) 0x0F).convertShape(VectorOperators.B2F, F, 0);
            FloatVector hi = (FloatVector) qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).convertShape(VectorOperators.B2F, F, 0);
            acc0 = lo.mul(d).sub(-m).fma(FloatVector.fromArray(F, x, j), acc0);
            acc1 = hi.mul(d).sub(-m).fma(FloatVector.fromArray(F, x, j + 16), acc1);
        }
        return sum(acc0.add(acc1));
    }

    /**
     * Q4_K super-blocks of 256: 8 groups of 32 with 6-bit scales and mins; w = (d·scale)·q − dmin·min,
     * the values the codec dequantizes to, multiplied in element order.
     */
    static float q4_k(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int[] sm = SCALE_MIN.get();
        for (int b = 0, j = 0; j < n; b++, j += 256) {
            long bo = off + 144L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)), dmin = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 2));
            for (int g = 0; g < 8; g++) {
                scaleMinK4(w, bo + 4, g, sm);
                float d1 = d * sm[0], m1 = dmin * sm[1];
                long q = bo + 16 + 32L * (g >> 1);
                ByteVector qa = ByteVector.fromMemorySegment(B, w, q, LE), qb = ByteVector.fromMemorySegment(B, w, q + 16, LE);
                if ((g & 1) == 1) {
                    qa = qa.lanewise(VectorOperators.LSHR, 4);
                    qb = qb.lanewise(VectorOperators.LSHR, 4);
                }
                FloatVector va = ((FloatVector) qa.and((byte) 0x0F).convertShape(VectorOperators.B2F, F, 0)).mul(d1).sub(m1);
                FloatVector vb = ((FloatVector) qb.and((byte) 0x0F).convertShape(VectorOperators.B2F, F, 0)).mul(d1).sub(m1);
                acc0 = va.fma(FloatVector.fromArray(F, x, j + 32 * g), acc0);
                acc1 = vb.fma(FloatVector.fromArray(F, x, j + 32 * g + 16), acc1);
            }
        }
        return sum(acc0.add(acc1));
    }

    static final ThreadLocal<int[]> SCALE_MIN = ThreadLocal.withInitial(() -> new int[2]);

    /** ggml's get_scale_min_k4 on the 12 packed bytes at {@code at}. */
    static void scaleMinK4(MemorySegment w, long at, int j, int[] out) {
        if (j < 4) {
            out[0] = w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + j) & 63;
            out[1] = w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + j + 4) & 63;
        } else {
            int a = w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + j + 4) & 0xff;
            out[0] = (a & 0xF) | (((w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + j - 4) & 0xff) >>> 6) << 4);
            out[1] = (a >>> 4) | (((w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + j) & 0xff) >>> 6) << 4);
        }
    }

    /** Q6_K super-blocks of 256: 6-bit values (4 low bits in ql, 2 high in qh), w = (d·scale)·(q − 32). */
    static float q6_k(MemorySegment w, long off, float[] x, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, j = 0; j < n; b++, j += 256) {
            long bo = off + 210L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 208));
            for (int half = 0; half < 2; half++) {
                long ql = bo + 64L * half, qh = bo + 128 + 32L * half, sc = bo + 192 + 8L * half;
                for (int a = 0; a < 4; a++) { // the four runs of 32 elements in this half, in element order
                    for (int sub = 0; sub < 2; sub++) {
                        ByteVector lo = ByteVector.fromMemorySegment(B, w, ql + (a & 1) * 32L + 16L * sub, LE);
                        ByteVector hi = ByteVector.fromMemorySegment(B, w, qh + 16L * sub, LE);
                        ByteVector low4 = a < 2 ? lo.and((byte) 0x0F) : lo.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                        ByteVector high2 = hi.lanewise(VectorOperators.LSHR, 2 * a).and((byte) 3).lanewise(VectorOperators.LSHL, 4);
                        ByteVector q = low4.or(high2).sub((byte) 32);
                        float scale = d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + sub + 2L * a);
                        FloatVector v = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(scale);
                        if (sub == 0) acc0 = v.fma(FloatVector.fromArray(F, x, j + 128 * half + 32 * a), acc0);
                        else acc1 = v.fma(FloatVector.fromArray(F, x, j + 128 * half + 32 * a + 16), acc1);
                    }
                }
            }
        }
        return sum(acc0.add(acc1));
    }

    static float q8_0Scalar(MemorySegment w, long off, float[] x, int n) {
        float sum = 0f;
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 34L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo));
            for (int k = 0; k < 32; k++) sum += (w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, bo + 2 + k) * d) * x[j + k];
        }
        return sum;
    }

    // ---- batched kernels: each weight vector is formed once per group of four positions and
    // multiplied into each position's accumulator (kept in registers), with exactly the operations
    // of the single-position kernel, so results are bit-identical to separate calls. ----

    /** Whether the batched kernels apply (full 16-lane vectors only; otherwise callers loop over positions). */
    static boolean batchable(int n) {
        return LANES == 16 && n % LANES == 0;
    }

    // Each batched kernel keeps, for a group of up to four positions (five for F16 and Q8_0, whose
    // weights are dear to form: a k = 4 verify of five positions then forms each weight once; Q4_0
    // measured slower with five), an even-chunk and an odd-chunk accumulator per position in locals (so they stay in
    // registers), exactly as the single-position kernels split their two accumulators.

    static void f32Batch(MemorySegment w, long off, float[][] x, int t, int n, float[][] out, int row) {
        for (int g = 0; g < t; g += 4) {
            float[] x0 = x[g], x1 = x[Math.min(g + 1, t - 1)], x2 = x[Math.min(g + 2, t - 1)], x3 = x[Math.min(g + 3, t - 1)];
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            int j = 0;
            for (; j + 32 <= n; j += 32) {
                FloatVector v = FloatVector.fromMemorySegment(F, w, off + 4L * j, LE);
                e0 = v.fma(FloatVector.fromArray(F, x0, j), e0);
                e1 = v.fma(FloatVector.fromArray(F, x1, j), e1);
                e2 = v.fma(FloatVector.fromArray(F, x2, j), e2);
                e3 = v.fma(FloatVector.fromArray(F, x3, j), e3);
                v = FloatVector.fromMemorySegment(F, w, off + 4L * (j + 16), LE);
                o0 = v.fma(FloatVector.fromArray(F, x0, j + 16), o0);
                o1 = v.fma(FloatVector.fromArray(F, x1, j + 16), o1);
                o2 = v.fma(FloatVector.fromArray(F, x2, j + 16), o2);
                o3 = v.fma(FloatVector.fromArray(F, x3, j + 16), o3);
            }
            if (j < n) {
                FloatVector v = FloatVector.fromMemorySegment(F, w, off + 4L * j, LE);
                e0 = v.fma(FloatVector.fromArray(F, x0, j), e0);
                e1 = v.fma(FloatVector.fromArray(F, x1, j), e1);
                e2 = v.fma(FloatVector.fromArray(F, x2, j), e2);
                e3 = v.fma(FloatVector.fromArray(F, x3, j), e3);
            }
            // vectors are never passed to a helper here: a call C2 does not inline would box them
            out[g][row] = sum(e0.add(o0));
            if (g + 1 < t) out[g + 1][row] = sum(e1.add(o1));
            if (g + 2 < t) out[g + 2][row] = sum(e2.add(o2));
            if (g + 3 < t) out[g + 3][row] = sum(e3.add(o3));
        }
    }

    static void f16Batch(MemorySegment w, long off, float[][] x, int t, int n, float[][] out, int row) {
        for (int g = 0; g < t; g += 5) {
            float[] x0 = x[g], x1 = x[Math.min(g + 1, t - 1)], x2 = x[Math.min(g + 2, t - 1)], x3 = x[Math.min(g + 3, t - 1)], x4 = x[Math.min(g + 4, t - 1)];
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, e4 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0, o4 = e0;
            int j = 0;
            for (; j + 32 <= n; j += 32) {
                FloatVector v = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * j, LE));
                e0 = v.fma(FloatVector.fromArray(F, x0, j), e0);
                e1 = v.fma(FloatVector.fromArray(F, x1, j), e1);
                e2 = v.fma(FloatVector.fromArray(F, x2, j), e2);
                e3 = v.fma(FloatVector.fromArray(F, x3, j), e3);
                e4 = v.fma(FloatVector.fromArray(F, x4, j), e4);
                v = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (j + 16), LE));
                o0 = v.fma(FloatVector.fromArray(F, x0, j + 16), o0);
                o1 = v.fma(FloatVector.fromArray(F, x1, j + 16), o1);
                o2 = v.fma(FloatVector.fromArray(F, x2, j + 16), o2);
                o3 = v.fma(FloatVector.fromArray(F, x3, j + 16), o3);
                o4 = v.fma(FloatVector.fromArray(F, x4, j + 16), o4);
            }
            if (j < n) {
                FloatVector v = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * j, LE));
                e0 = v.fma(FloatVector.fromArray(F, x0, j), e0);
                e1 = v.fma(FloatVector.fromArray(F, x1, j), e1);
                e2 = v.fma(FloatVector.fromArray(F, x2, j), e2);
                e3 = v.fma(FloatVector.fromArray(F, x3, j), e3);
                e4 = v.fma(FloatVector.fromArray(F, x4, j), e4);
            }
            // vectors are never passed to a helper here: a call C2 does not inline would box them
            out[g][row] = sum(e0.add(o0));
            if (g + 1 < t) out[g + 1][row] = sum(e1.add(o1));
            if (g + 2 < t) out[g + 2][row] = sum(e2.add(o2));
            if (g + 3 < t) out[g + 3][row] = sum(e3.add(o3));
            if (g + 4 < t) out[g + 4][row] = sum(e4.add(o4));
        }
    }

    static void q8_0Batch(MemorySegment w, long off, float[][] x, int t, int n, float[][] out, int row) {
        for (int g = 0; g < t; g += 5) {
            float[] x0 = x[g], x1 = x[Math.min(g + 1, t - 1)], x2 = x[Math.min(g + 2, t - 1)], x3 = x[Math.min(g + 3, t - 1)], x4 = x[Math.min(g + 4, t - 1)];
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, e4 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0, o4 = e0;
            for (int b = 0, j = 0; j < n; b++, j += 32) {
                long bo = off + 34L * b;
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)));
                FloatVector v = ((FloatVector) ByteVector.fromMemorySegment(B, w, bo + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                e0 = v.fma(FloatVector.fromArray(F, x0, j), e0);
                e1 = v.fma(FloatVector.fromArray(F, x1, j), e1);
                e2 = v.fma(FloatVector.fromArray(F, x2, j), e2);
                e3 = v.fma(FloatVector.fromArray(F, x3, j), e3);
                e4 = v.fma(FloatVector.fromArray(F, x4, j), e4);
                v = ((FloatVector) ByteVector.fromMemorySegment(B, w, bo + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                o0 = v.fma(FloatVector.fromArray(F, x0, j + 16), o0);
                o1 = v.fma(FloatVector.fromArray(F, x1, j + 16), o1);
                o2 = v.fma(FloatVector.fromArray(F, x2, j + 16), o2);
                o3 = v.fma(FloatVector.fromArray(F, x3, j + 16), o3);
                o4 = v.fma(FloatVector.fromArray(F, x4, j + 16), o4);
            }
            // vectors are never passed to a helper here: a call C2 does not inline would box them
            out[g][row] = sum(e0.add(o0));
            if (g + 1 < t) out[g + 1][row] = sum(e1.add(o1));
            if (g + 2 < t) out[g + 2][row] = sum(e2.add(o2));
            if (g + 3 < t) out[g + 3][row] = sum(e3.add(o3));
            if (g + 4 < t) out[g + 4][row] = sum(e4.add(o4));
        }
    }

    static void q4_0Batch(MemorySegment w, long off, float[][] x, int t, int n, float[][] out, int row) {
        for (int g = 0; g < t; g += 4) {
            float[] x0 = x[g], x1 = x[Math.min(g + 1, t - 1)], x2 = x[Math.min(g + 2, t - 1)], x3 = x[Math.min(g + 3, t - 1)];
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            for (int b = 0, j = 0; j < n; b++, j += 32) {
                long bo = off + 18L * b;
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)));
                ByteVector qs = ByteVector.fromMemorySegment(B, w, bo + 2, LE);
                FloatVector v = ((FloatVector) qs.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                e0 = v.fma(FloatVector.fromArray(F, x0, j), e0);
                e1 = v.fma(FloatVector.fromArray(F, x1, j), e1);
                e2 = v.fma(FloatVector.fromArray(F, x2, j), e2);
                e3 = v.fma(FloatVector.fromArray(F, x3, j), e3);
                v = ((FloatVector) qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                o0 = v.fma(FloatVector.fromArray(F, x0, j + 16), o0);
                o1 = v.fma(FloatVector.fromArray(F, x1, j + 16), o1);
                o2 = v.fma(FloatVector.fromArray(F, x2, j + 16), o2);
                o3 = v.fma(FloatVector.fromArray(F, x3, j + 16), o3);
            }
            // vectors are never passed to a helper here: a call C2 does not inline would box them
            out[g][row] = sum(e0.add(o0));
            if (g + 1 < t) out[g + 1][row] = sum(e1.add(o1));
            if (g + 2 < t) out[g + 2][row] = sum(e2.add(o2));
            if (g + 3 < t) out[g + 3][row] = sum(e3.add(o3));
        }
    }

    /**
     * {@link #f32Batch} over a row already in floats (a quantized row dequantized once for a long
     * batch): per position the same chain as {@link #dense}, so the same bits as one position alone.
     */
    static void denseBatch(float[] w, float[][] x, int t, int n, float[][] out, int row) {
        for (int g = 0; g < t; g += 4) {
            float[] x0 = x[g], x1 = x[Math.min(g + 1, t - 1)], x2 = x[Math.min(g + 2, t - 1)], x3 = x[Math.min(g + 3, t - 1)];
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            int j = 0;
            for (; j + 2 * LANES <= n; j += 2 * LANES) {
                FloatVector v = FloatVector.fromArray(F, w, j);
                e0 = v.fma(FloatVector.fromArray(F, x0, j), e0);
                e1 = v.fma(FloatVector.fromArray(F, x1, j), e1);
                e2 = v.fma(FloatVector.fromArray(F, x2, j), e2);
                e3 = v.fma(FloatVector.fromArray(F, x3, j), e3);
                v = FloatVector.fromArray(F, w, j + LANES);
                o0 = v.fma(FloatVector.fromArray(F, x0, j + LANES), o0);
                o1 = v.fma(FloatVector.fromArray(F, x1, j + LANES), o1);
                o2 = v.fma(FloatVector.fromArray(F, x2, j + LANES), o2);
                o3 = v.fma(FloatVector.fromArray(F, x3, j + LANES), o3);
            }
            if (j < n) {
                FloatVector v = FloatVector.fromArray(F, w, j);
                e0 = v.fma(FloatVector.fromArray(F, x0, j), e0);
                e1 = v.fma(FloatVector.fromArray(F, x1, j), e1);
                e2 = v.fma(FloatVector.fromArray(F, x2, j), e2);
                e3 = v.fma(FloatVector.fromArray(F, x3, j), e3);
            }
            out[g][row] = sum(e0.add(o0));
            if (g + 1 < t) out[g + 1][row] = sum(e1.add(o1));
            if (g + 2 < t) out[g + 2][row] = sum(e2.add(o2));
            if (g + 3 < t) out[g + 3][row] = sum(e3.add(o3));
        }
    }

    /**
     * {@link #denseBatch} for two rows at once: each x vector loaded serves both (a 2 × 4 tile of
     * outputs), and every output keeps {@link #dense}'s chain, so the bits do not change.
     */
    static void denseBatch2(float[] w0, float[] w1, float[][] x, int t, int n, float[][] out, int row) {
        for (int g = 0; g < t; g += 4) {
            float[] x0 = x[g], x1 = x[Math.min(g + 1, t - 1)], x2 = x[Math.min(g + 2, t - 1)], x3 = x[Math.min(g + 3, t - 1)];
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            int j = 0;
            for (; j + 2 * LANES <= n; j += 2 * LANES) {
                FloatVector v = FloatVector.fromArray(F, w0, j), u = FloatVector.fromArray(F, w1, j);
                FloatVector y0 = FloatVector.fromArray(F, x0, j), y1 = FloatVector.fromArray(F, x1, j);
                FloatVector y2 = FloatVector.fromArray(F, x2, j), y3 = FloatVector.fromArray(F, x3, j);
                a0 = v.fma(y0, a0); a1 = v.fma(y1, a1); a2 = v.fma(y2, a2); a3 = v.fma(y3, a3);
                c0 = u.fma(y0, c0); c1 = u.fma(y1, c1); c2 = u.fma(y2, c2); c3 = u.fma(y3, c3);
                v = FloatVector.fromArray(F, w0, j + LANES);
                u = FloatVector.fromArray(F, w1, j + LANES);
                y0 = FloatVector.fromArray(F, x0, j + LANES);
                y1 = FloatVector.fromArray(F, x1, j + LANES);
                y2 = FloatVector.fromArray(F, x2, j + LANES);
                y3 = FloatVector.fromArray(F, x3, j + LANES);
                b0 = v.fma(y0, b0); b1 = v.fma(y1, b1); b2 = v.fma(y2, b2); b3 = v.fma(y3, b3);
                d0 = u.fma(y0, d0); d1 = u.fma(y1, d1); d2 = u.fma(y2, d2); d3 = u.fma(y3, d3);
            }
            if (j < n) {
                FloatVector v = FloatVector.fromArray(F, w0, j), u = FloatVector.fromArray(F, w1, j);
                FloatVector y0 = FloatVector.fromArray(F, x0, j), y1 = FloatVector.fromArray(F, x1, j);
                FloatVector y2 = FloatVector.fromArray(F, x2, j), y3 = FloatVector.fromArray(F, x3, j);
                a0 = v.fma(y0, a0); a1 = v.fma(y1, a1); a2 = v.fma(y2, a2); a3 = v.fma(y3, a3);
                c0 = u.fma(y0, c0); c1 = u.fma(y1, c1); c2 = u.fma(y2, c2); c3 = u.fma(y3, c3);
            }
            out[g][row] = sum(a0.add(b0));
            out[g][row + 1] = sum(c0.add(d0));
            if (g + 1 < t) { out[g + 1][row] = sum(a1.add(b1)); out[g + 1][row + 1] = sum(c1.add(d1)); }
            if (g + 2 < t) { out[g + 2][row] = sum(a2.add(b2)); out[g + 2][row + 1] = sum(c2.add(d2)); }
            if (g + 3 < t) { out[g + 3][row] = sum(a3.add(b3)); out[g + 3][row + 1] = sum(c3.add(d3)); }
        }
    }

    /** Dense float block (a dequantized block) times x[j..j+n). */
    static float dense(float[] w, float[] x, int j, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int k = 0, bound = F.loopBound(n);
        for (; k + 2 * LANES <= bound; k += 2 * LANES) {
            acc0 = FloatVector.fromArray(F, w, k).fma(FloatVector.fromArray(F, x, j + k), acc0);
            acc1 = FloatVector.fromArray(F, w, k + LANES).fma(FloatVector.fromArray(F, x, j + k + LANES), acc1);
        }
        if (k < bound) {
            acc0 = FloatVector.fromArray(F, w, k).fma(FloatVector.fromArray(F, x, j + k), acc0);
            k += LANES;
        }
        float sum = sum(acc0.add(acc1));
        for (; k < n; k++) sum += w[k] * x[j + k];
        return sum;
    }
}
