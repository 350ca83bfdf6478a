package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/**
 * Super-blocks of 256 in 16 groups of 16: {u8 ql[128]; u8 qh[64]; int8 scales[16]; f16 d}; 6-bit
 * values (low 4 bits in ql, high 2 in qh), x = d·scale·(q − 32).
 */
public final class Q6_KCodec implements BlockCodec {
    static final Q6_KCodec INSTANCE = new Q6_KCodec();
    private static final int QK = 256, BYTES = 210;

    @Override
    public GgmlType type() { return GgmlType.Q6_K; }

    @Override
    public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        int[] levels = new int[QK];
        float[] scales = new float[16];
        for (int b = 0; b < n / QK; b++) {
            int base = off + QK * b;
            long o = dstOff + (long) BYTES * b;
            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++) {
                float scale = KQuantSearch.symmetric(16, 32, x, base + 16 * ib, levels, 16 * ib);
                scales[ib] = scale;
                if (Math.abs(scale) > maxAbsScale) {
                    maxAbsScale = Math.abs(scale);
                    maxScale = scale;
                }
            }
            if (maxAbsScale < KQuantSearch.GROUP_MAX_EPS) {
                dst.asSlice(o, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            BlockCodec.putHalf(dst, o + 208, 1 / iscale);
            byte[] sc = new byte[16];
            for (int ib = 0; ib < 16; ib++) sc[ib] = (byte) Math.min(127, BlockCodec.nearestInt(iscale * scales[ib]));
            MemorySegment.copy(sc, 0, dst, ValueLayout.JAVA_BYTE, o + 192, 16);
            float dAll = BlockCodec.half(dst, o + 208);
            for (int j = 0; j < 16; j++) {
                float d = dAll * sc[j];
                if (d == 0f) continue;
                for (int i = 0; i < 16; i++) {
                    int l = BlockCodec.nearestInt(x[base + 16 * j + i] / d);
                    levels[16 * j + i] = Math.max(-32, Math.min(31, l)) + 32;
                }
            }
            for (int j = 0, ql = 0, qh = 128; j < QK; j += 128, ql += 64, qh += 32) {
                for (int l = 0; l < 32; l++) {
                    int q1 = levels[j + l] & 0xF, q2 = levels[j + l + 32] & 0xF, q3 = levels[j + l + 64] & 0xF, q4 = levels[j + l + 96] & 0xF;
                    dst.set(ValueLayout.JAVA_BYTE, o + ql + l, (byte) (q1 | (q3 << 4)));
                    dst.set(ValueLayout.JAVA_BYTE, o + ql + l + 32, (byte) (q2 | (q4 << 4)));
                    dst.set(ValueLayout.JAVA_BYTE, o + qh + l, (byte) ((levels[j + l] >> 4) | ((levels[j + l + 32] >> 4) << 2)
                            | ((levels[j + l + 64] >> 4) << 4) | ((levels[j + l + 96] >> 4) << 6)));
                }
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
        for (int b = 0; b < n / QK; b++) {
            long o = srcOff + (long) BYTES * b;
            float d = BlockCodec.half(src, o + 208);
            int out = off + QK * b;
            for (int h = 0; h < 2; h++) {
                long ql = o + 64L * h, qh = o + 128 + 32L * h, sc = o + 192 + 8L * h;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo0 = src.get(ValueLayout.JAVA_BYTE, ql + l) & 0xff, lo1 = src.get(ValueLayout.JAVA_BYTE, ql + l + 32) & 0xff;
                    int hi = src.get(ValueLayout.JAVA_BYTE, qh + l) & 0xff;
                    int q1 = ((lo0 & 0xF) | ((hi & 3) << 4)) - 32;
                    int q2 = ((lo1 & 0xF) | (((hi >> 2) & 3) << 4)) - 32;
                    int q3 = ((lo0 >> 4) | (((hi >> 4) & 3) << 4)) - 32;
                    int q4 = ((lo1 >> 4) | (((hi >> 6) & 3) << 4)) - 32;
                    y[out + 128 * h + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                    y[out + 128 * h + l + 32] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                    y[out + 128 * h + l + 64] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                    y[out + 128 * h + l + 96] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
                }
            }
        }
    }
}
