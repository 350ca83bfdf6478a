package org.speclab.engine.cpu;

import static org.speclab.engine.cpu.VectorDot.B16;
import static org.speclab.engine.cpu.VectorDot.F;
import static org.speclab.engine.cpu.VectorDot.LANES;
import static org.speclab.engine.cpu.VectorDot.LE;
import static org.speclab.engine.cpu.VectorDot.S;
import static org.speclab.engine.cpu.VectorDot.SCALE_MIN;
import static org.speclab.engine.cpu.VectorDot.halfToFloat;
import static org.speclab.engine.cpu.VectorDot.scaleMinK4;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Block-format weight rows dequantized into floats, in vector lanes at every width: what a batch
 * multiplies with the dense kernels (one dequantization per row for all its positions), and what one
 * position multiplies where a type has no fused kernel at the machine's width. Each weight comes out
 * as the fused kernels in {@link VectorDot} form it, so dense over a row gives their bits.
 */
final class RowForms {
    private RowForms() {}

    /** The row form of a block type, or null for a type without one (F32, F16, BF16 take the dense kernels directly). */
    static WeightMatrix.RowForm of(org.speclab.gguf.GgmlType type) {
        return switch (type) {
            case Q8_0 -> RowForms::q8_0Row;
            case Q4_0 -> RowForms::q4_0Row;
            case Q4_1 -> RowForms::q4_1Row;
            case Q5_0 -> RowForms::q5_0Row;
            case Q5_1 -> RowForms::q5_1Row;
            case Q2_K -> RowForms::q2_kRow;
            case Q3_K -> RowForms::q3_kRow;
            case Q4_K -> RowForms::q4_kRow;
            case Q5_K -> RowForms::q5_kRow;
            case Q6_K -> RowForms::q6_kRow;
            case IQ4_NL -> RowForms::iq4_nlRow;
            case IQ4_XS -> RowForms::iq4_xsRow;
            default -> null;
        };
    }

    /**
     * One Q4_K row dequantized into {@code out} with {@link VectorDot#q4_k}'s arithmetic (w = d1·q − m1), so
     * {@link VectorDot#dense} over it gives the fused kernel's bits: the batched path forms each row once for all positions.
     */
    static void q4_kRow(MemorySegment w, long off, float[] out, int n) { kRow(w, off, out, n, false); }

    /** Q5_K super-blocks {f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: Q4_K's w = d1·q − m1, bit g of qh[l] the fifth bit of group g's weight l. */
    static void q5_kRow(MemorySegment w, long off, float[] out, int n) { kRow(w, off, out, n, true); }

    /** Q4_K's rows, or ({@code five}) Q5_K's: the same groups with each code's fifth bit from qh. */
    private static void kRow(MemorySegment w, long off, float[] out, int n, boolean five) {
        int[] sm = SCALE_MIN.get();
        for (int b = 0, j = 0; j < n; b++, j += 256) {
            long bo = off + (five ? 176L : 144L) * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)), dmin = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 2));
            ByteVector ha = five ? ByteVector.fromMemorySegment(B16, w, bo + 16, LE) : null, hb = five ? ByteVector.fromMemorySegment(B16, w, bo + 32, LE) : null;
            for (int g = 0; g < 8; g++) {
                scaleMinK4(w, bo + 4, g, sm);
                float d1 = d * sm[0], m1 = dmin * sm[1];
                long q = bo + (five ? 48 : 16) + 32L * (g >> 1);
                ByteVector qa = ByteVector.fromMemorySegment(B16, w, q, LE), qb = ByteVector.fromMemorySegment(B16, w, q + 16, LE);
                if ((g & 1) == 1) {
                    qa = qa.lanewise(VectorOperators.LSHR, 4);
                    qb = qb.lanewise(VectorOperators.LSHR, 4);
                }
                qa = qa.and((byte) 0x0F);
                qb = qb.and((byte) 0x0F);
                if (five) {
                    qa = qa.or(ha.lanewise(VectorOperators.LSHR, g).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    qb = qb.or(hb.lanewise(VectorOperators.LSHR, g).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                }
                unit(qa, d1, m1, out, j + 32 * g);
                unit(qb, d1, m1, out, j + 32 * g + 16);
            }
        }
    }

    /** One Q6_K row dequantized with {@link VectorDot#q6_k}'s arithmetic (w = (d·scale)·q). */
    static void q6_kRow(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 256) {
            long bo = off + 210L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 208));
            for (int half = 0; half < 2; half++) {
                long ql = bo + 64L * half, qh = bo + 128 + 32L * half, sc = bo + 192 + 8L * half;
                for (int a = 0; a < 4; a++) {
                    for (int sub = 0; sub < 2; sub++) {
                        ByteVector lo = ByteVector.fromMemorySegment(B16, w, ql + (a & 1) * 32L + 16L * sub, LE);
                        ByteVector hi = ByteVector.fromMemorySegment(B16, w, qh + 16L * sub, LE);
                        ByteVector low4 = a < 2 ? lo.and((byte) 0x0F) : lo.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                        ByteVector high2 = hi.lanewise(VectorOperators.LSHR, 2 * a).and((byte) 3).lanewise(VectorOperators.LSHL, 4);
                        float scale = d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + sub + 2L * a);
                        unit(low4.or(high2).sub((byte) 32), scale, 0f, out, j + 128 * half + 32 * a + 16 * sub);
                    }
                }
            }
        }
    }

    /**
     * The 16 signed bytes of {@code u} as floats u·a − m into out[o .. o + 16): one 128-bit byte
     * vector at every width, widened in 16 / LANES parts, so every block format's rows dequantize in
     * vector lanes on 512-, 256- and 128-bit machines alike, each weight by the same two roundings.
     * (u·a − 0 and u·a + m' = u·a − (−m') are exact rewrites, so one form serves every format.)
     */
    private static void unit(ByteVector u, float a, float m, float[] out, int o) {
        ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0)).mul(a).sub(m).intoArray(out, o);
        if (LANES <= 8) ((FloatVector) u.convertShape(VectorOperators.B2F, F, 1)).mul(a).sub(m).intoArray(out, o + LANES);
        if (LANES <= 4) {
            ((FloatVector) u.convertShape(VectorOperators.B2F, F, 2)).mul(a).sub(m).intoArray(out, o + 2 * LANES);
            ((FloatVector) u.convertShape(VectorOperators.B2F, F, 3)).mul(a).sub(m).intoArray(out, o + 3 * LANES);
        }
    }

    /** A Q8_0 row in floats, each weight as {@link VectorDot#q8_0} forms it (q·d). */
    static void q8_0Row(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 34L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo));
            unit(ByteVector.fromMemorySegment(B16, w, bo + 2, LE), d, 0f, out, j);
            unit(ByteVector.fromMemorySegment(B16, w, bo + 18, LE), d, 0f, out, j + 16);
        }
    }

    /** A Q4_0 row in floats, each weight as {@link VectorDot#q4_0} forms it ((q − 8)·d). */
    static void q4_0Row(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 18L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo));
            ByteVector qs = ByteVector.fromMemorySegment(B16, w, bo + 2, LE);
            unit(qs.and((byte) 0x0F).sub((byte) 8), d, 0f, out, j);
            unit(qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8), d, 0f, out, j + 16);
        }
    }

    /** Q4_1 blocks {f16 d; f16 m; u8 qs[16]}: low nibbles are elements 0..15, high 16..31, w = q·d + m. */
    static void q4_1Row(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 20L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)), m = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 2));
            ByteVector qs = ByteVector.fromMemorySegment(B16, w, bo + 4, LE);
            unit(qs.and((byte) 0x0F), d, -m, out, j);
            unit(qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F), d, -m, out, j + 16);
        }
    }

    /** Lane l of a 128-bit byte vector: which byte of the four fifth-bit bytes holds its bit (l / 8), and which bit (l % 8). */
    private static final jdk.incubator.vector.VectorShuffle<Byte> LOW_BYTES = jdk.incubator.vector.VectorShuffle.fromValues(B16,
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), HIGH_BYTES = jdk.incubator.vector.VectorShuffle.fromValues(B16,
            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    private static final ByteVector BIT_OF_LANE = ByteVector.fromArray(B16, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7}, 0);

    /**
     * Q5_0's and Q5_1's fifth bits (32 bits from {@code qh}, bit j for weight j) as 0 or 16 per lane: weights 0..15
     * ({@code high} false) or 16..31. Reads 16 bytes from {@code qh}, inside the block (its 16 code bytes follow).
     */
    private static ByteVector fifthBits(MemorySegment w, long qh, boolean high) {
        ByteVector bytes = ByteVector.fromMemorySegment(B16, w, qh, LE).rearrange(high ? HIGH_BYTES : LOW_BYTES);
        return bytes.lanewise(VectorOperators.LSHR, BIT_OF_LANE).and((byte) 1).lanewise(VectorOperators.LSHL, 4);
    }

    /** Q5_0 blocks {f16 d; u8 qh[4]; u8 qs[16]}: w = (q − 16)·d, q's fifth bit from qh, as ggml's dequantization. */
    static void q5_0Row(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 22L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo));
            ByteVector qs = ByteVector.fromMemorySegment(B16, w, bo + 6, LE);
            unit(qs.and((byte) 0x0F).or(fifthBits(w, bo + 2, false)).sub((byte) 16), d, 0f, out, j);
            unit(qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).or(fifthBits(w, bo + 2, true)).sub((byte) 16), d, 0f, out, j + 16);
        }
    }

    /** Q5_1 blocks {f16 d; f16 m; u8 qh[4]; u8 qs[16]}: w = q·d + m. */
    static void q5_1Row(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 24L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo)), m = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 2));
            ByteVector qs = ByteVector.fromMemorySegment(B16, w, bo + 8, LE);
            unit(qs.and((byte) 0x0F).or(fifthBits(w, bo + 4, false)), d, -m, out, j);
            unit(qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).or(fifthBits(w, bo + 4, true)), d, -m, out, j + 16);
        }
    }

    /** IQ4_NL's and IQ4_XS's levels in the lanes of a 128-bit byte vector: a vector of 4-bit codes selects from it. */
    private static final ByteVector IQ4 = iq4Levels();

    private static ByteVector iq4Levels() {
        byte[] levels = new byte[16];
        for (int i = 0; i < 16; i++) levels[i] = (byte) org.speclab.quant.BlockCodec.iq4Level(i);
        return ByteVector.fromArray(B16, levels, 0);
    }

    /** IQ4_NL blocks {f16 d; u8 qs[16]} (Q4_0's nibble order): w = d·level[q]. */
    static void iq4_nlRow(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 32) {
            long bo = off + 18L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo));
            ByteVector qs = ByteVector.fromMemorySegment(B16, w, bo + 2, LE);
            unit(qs.and((byte) 0x0F).selectFrom(IQ4), d, 0f, out, j);
            unit(qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).selectFrom(IQ4), d, 0f, out, j + 16);
        }
    }

    /** IQ4_XS super-blocks {f16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}: group g of 32, w = (d·(ls − 32))·level[q]. */
    static void iq4_xsRow(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 256) {
            long bo = off + 136L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo));
            for (int g = 0; g < 8; g++) {
                float dl = d * org.speclab.quant.BlockCodec.iq4xsScale(w, bo, g);
                ByteVector qs = ByteVector.fromMemorySegment(B16, w, bo + 8 + 16L * g, LE);
                unit(qs.and((byte) 0x0F).selectFrom(IQ4), dl, 0f, out, j + 32 * g);
                unit(qs.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).selectFrom(IQ4), dl, 0f, out, j + 32 * g + 16);
            }
        }
    }

    /** Q2_K super-blocks {u8 scales[16]; u8 qs[64]; f16 d; f16 dmin}: sixteen groups of 16, w = (d·sc)·q − dmin·m. */
    static void q2_kRow(MemorySegment w, long off, float[] out, int n) {
        for (int b = 0, j = 0; j < n; b++, j += 256) {
            long bo = off + 84L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 80)), min = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 82));
            int is = 0, k = j;
            for (int half = 0; half < 2; half++) {
                long q = bo + 16 + 32L * half;
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int part = 0; part < 2; part++, k += 16) {
                        int sc = w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, bo + is++) & 0xff;
                        ByteVector qs = ByteVector.fromMemorySegment(B16, w, q + 16L * part, LE);
                        unit(qs.lanewise(VectorOperators.LSHR, shift).and((byte) 3), d * (sc & 0xF), min * (sc >>> 4), out, k);
                    }
                }
            }
        }
    }

    /** Q3_K super-blocks {u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}: sixteen groups of 16, w = (d·sc)·(q − 4·[high bit clear]). */
    static void q3_kRow(MemorySegment w, long off, float[] out, int n) {
        int[] sc = Q3_SCALES.get();
        for (int b = 0, j = 0; j < n; b++, j += 256) {
            long bo = off + 110L * b;
            float d = Float.float16ToFloat(w.get(WeightMatrix.SHORT, bo + 108));
            org.speclab.quant.BlockCodec.q3kScales(w, bo + 96, sc);
            ByteVector h0 = ByteVector.fromMemorySegment(B16, w, bo, LE), h1 = ByteVector.fromMemorySegment(B16, w, bo + 16, LE);
            int is = 0, k = j, m = 1;
            for (int half = 0; half < 2; half++) {
                long q = bo + 32 + 32L * half;
                for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                    for (int part = 0; part < 2; part++, k += 16) {
                        ByteVector low = ByteVector.fromMemorySegment(B16, w, q + 16L * part, LE).lanewise(VectorOperators.LSHR, shift).and((byte) 3);
                        ByteVector hm = (part == 0 ? h0 : h1).and((byte) m);
                        unit(low.sub((byte) 4, hm.compare(VectorOperators.EQ, (byte) 0)), d * sc[is++], 0f, out, k);
                    }
                }
            }
        }
    }

    private static final ThreadLocal<int[]> Q3_SCALES = ThreadLocal.withInitial(() -> new int[16]);

    /** An F16 row in floats ({@code n} a multiple of the lane count). */
    static void f16Row(MemorySegment w, long off, float[] out, int n) {
        for (int j = 0; j < n; j += LANES) halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * j, LE)).intoArray(out, j);
    }
}
