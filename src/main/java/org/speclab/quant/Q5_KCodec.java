package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/**
 * Super-blocks of 256 in 8 groups of 32: {f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}:
 * Q4_K's scales and mins, five-bit codes whose fifth bit for group g sits in bit g of qh[l];
 * x = d·scale·q − dmin·min, q in 0..31. Quantized as ggml's quantize_row_q5_K_ref does.
 */
public final class Q5_KCodec implements BlockCodec {
    static final Q5_KCodec INSTANCE = new Q5_KCodec();
    private static final int QK = 256, BYTES = 176;

    @Override
    public GgmlType type() { return GgmlType.Q5_K; }

    @Override
    public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        int[] levels = new int[QK], aux = new int[32], sm = new int[2];
        float[] weights = new float[32], mins = new float[8], scales = new float[8], res = new float[2];
        byte[] packed = new byte[12], qh = new byte[32];
        for (int b = 0; b < n / QK; b++) {
            int base = off + QK * b;
            long o = dstOff + (long) BYTES * b;
            float[] max = Q4_KCodec.searchGroups(x, base, 31, -0.5f, 15, weights, levels, aux, scales, mins, res);
            float maxScale = max[0], maxMin = max[1];
            Q4_KCodec.packScales(scales, mins, maxScale, maxMin, packed);
            BlockCodec.putHalf(dst, o, maxScale / 63f);
            BlockCodec.putHalf(dst, o + 2, maxMin / 63f);
            MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, o + 4, 12);
            float dAll = BlockCodec.half(dst, o), mAll = BlockCodec.half(dst, o + 2);
            for (int j = 0; j < 8; j++) {
                Q4_KCodec.scaleMin(j, packed, sm);
                float d = dAll * sm[0];
                if (d == 0f) continue;
                float dm = mAll * sm[1];
                for (int i = 0; i < 32; i++) {
                    int l = BlockCodec.nearestInt((x[base + 32 * j + i] + dm) / d);
                    levels[32 * j + i] = Math.max(0, Math.min(31, l));
                }
            }
            java.util.Arrays.fill(qh, (byte) 0);
            for (int g = 0, q = 0; g < 8; g += 2, q += 32) {
                for (int l = 0; l < 32; l++) {
                    int l1 = levels[32 * g + l], l2 = levels[32 * g + 32 + l];
                    if (l1 > 15) {
                        l1 -= 16;
                        qh[l] |= (byte) (1 << g);
                    }
                    if (l2 > 15) {
                        l2 -= 16;
                        qh[l] |= (byte) (2 << g);
                    }
                    dst.set(ValueLayout.JAVA_BYTE, o + 48 + q + l, (byte) (l1 | (l2 << 4)));
                }
            }
            MemorySegment.copy(qh, 0, dst, ValueLayout.JAVA_BYTE, o + 16, 32);
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
        byte[] packed = new byte[12];
        int[] sm = new int[2];
        int k = off;
        for (int b = 0; b < n / QK; b++) {
            long o = srcOff + (long) BYTES * b;
            float d = BlockCodec.half(src, o), min = BlockCodec.half(src, o + 2);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, o + 4, packed, 0, 12);
            long qh = o + 16, ql = o + 48;
            int u1 = 1, u2 = 2;
            for (int g = 0; g < 8; g += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
                Q4_KCodec.scaleMin(g, packed, sm);
                float d1 = d * sm[0], m1 = min * sm[1];
                Q4_KCodec.scaleMin(g + 1, packed, sm);
                float d2 = d * sm[0], m2 = min * sm[1];
                for (int l = 0; l < 32; l++) y[k++] = d1 * ((u(src, ql + l) & 0xF) + ((u(src, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                for (int l = 0; l < 32; l++) y[k++] = d2 * ((u(src, ql + l) >>> 4) + ((u(src, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            }
        }
    }

    private static int u(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off) & 0xff; }
}
