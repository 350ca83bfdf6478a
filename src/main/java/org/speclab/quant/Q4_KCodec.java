package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/**
 * Super-blocks of 256 in 8 groups of 32: {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}. Each group
 * has a 6-bit scale and a 6-bit minimum (packed as ggml's get_scale_min_k4 reads them);
 * x = d·scale·q − dmin·min, q in 0..15, two groups of 32 sharing each 32 bytes of nibbles.
 */
public final class Q4_KCodec implements BlockCodec {
    static final Q4_KCodec INSTANCE = new Q4_KCodec();
    private static final int QK = 256, BYTES = 144;

    @Override
    public GgmlType type() { return GgmlType.Q4_K; }

    /** Scale (index 0) and min (index 1) of group j from the 12 packed bytes. */
    static void scaleMin(int j, byte[] q, int[] out) {
        if (j < 4) {
            out[0] = q[j] & 63;
            out[1] = q[j + 4] & 63;
        } else {
            out[0] = (q[j + 4] & 0xF) | (((q[j - 4] & 0xff) >>> 6) << 4);
            out[1] = ((q[j + 4] & 0xff) >>> 4) | (((q[j] & 0xff) >>> 6) << 4);
        }
    }

    @Override
    public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        int[] levels = new int[QK], aux = new int[32], sm = new int[2];
        float[] weights = new float[32], mins = new float[8], scales = new float[8], res = new float[2];
        byte[] packed = new byte[12];
        for (int b = 0; b < n / QK; b++) {
            int base = off + QK * b;
            long o = dstOff + (long) BYTES * b;
            float[] max = searchGroups(x, base, 15, -1f, 20, weights, levels, aux, scales, mins, res);
            float maxScale = max[0], maxMin = max[1];
            packScales(scales, mins, maxScale, maxMin, packed);
            BlockCodec.putHalf(dst, o, maxScale / 63f);
            BlockCodec.putHalf(dst, o + 2, maxMin / 63f);
            MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, o + 4, 12);
            float dAll = BlockCodec.half(dst, o), mAll = BlockCodec.half(dst, o + 2);
            for (int j = 0; j < 8; j++) {
                scaleMin(j, packed, sm);
                float d = dAll * sm[0];
                if (d == 0f) continue;
                float dm = mAll * sm[1];
                for (int i = 0; i < 32; i++) {
                    int l = BlockCodec.nearestInt((x[base + 32 * j + i] + dm) / d);
                    levels[32 * j + i] = Math.max(0, Math.min(15, l));
                }
            }
            for (int j = 0, q = 0; j < QK; j += 64, q += 32) {
                for (int l = 0; l < 32; l++) {
                    dst.set(ValueLayout.JAVA_BYTE, o + 16 + q + l, (byte) (levels[j + l] | (levels[j + l + 32] << 4)));
                }
            }
        }
    }

    /**
     * Per group of 32 of the super-block at x[base..]: ggml's weighted (scale, min) search with levels
     * 0..nmax (weights √(mean x²) + |x|), into scales/mins and levels; returns {largest scale, largest min}.
     */
    static float[] searchGroups(float[] x, int base, int nmax, float rmin, int nstep, float[] weights, int[] levels, int[] aux,
                                float[] scales, float[] mins, float[] res) {
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[base + 32 * j + l] * x[base + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[base + 32 * j + l]);
            KQuantSearch.scaleAndMin(32, nmax, x, base + 32 * j, weights, levels, 32 * j, aux, rmin, 0.1f, nstep, res);
            scales[j] = res[0];
            mins[j] = res[1];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        return new float[] {maxScale, maxMin};
    }

    /** The eight groups' scales and mins as 6-bit integers relative to the largest, packed in ggml's 12 bytes. */
    static void packScales(float[] scales, float[] mins, float maxScale, float maxMin, byte[] packed) {
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        java.util.Arrays.fill(packed, (byte) 0);
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, BlockCodec.nearestInt(invScale * scales[j]) & 0xff);
            int lm = Math.min(63, BlockCodec.nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                packed[j] = (byte) ls;
                packed[j + 4] = (byte) lm;
            } else {
                packed[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                packed[j - 4] |= (byte) ((ls >>> 4) << 6);
                packed[j] |= (byte) ((lm >>> 4) << 6);
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
        byte[] packed = new byte[12];
        int[] sm = new int[2];
        for (int b = 0; b < n / QK; b++) {
            long o = srcOff + (long) BYTES * b;
            float d = BlockCodec.half(src, o), min = BlockCodec.half(src, o + 2);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, o + 4, packed, 0, 12);
            int out = off + QK * b;
            for (int j = 0, is = 0, q = 0; j < QK; j += 64, is += 2, q += 32) {
                scaleMin(is, packed, sm);
                float d1 = d * sm[0], m1 = min * sm[1];
                scaleMin(is + 1, packed, sm);
                float d2 = d * sm[0], m2 = min * sm[1];
                for (int l = 0; l < 32; l++) y[out++] = d1 * (src.get(ValueLayout.JAVA_BYTE, o + 16 + q + l) & 0xF) - m1;
                for (int l = 0; l < 32; l++) y[out++] = d2 * ((src.get(ValueLayout.JAVA_BYTE, o + 16 + q + l) & 0xff) >>> 4) - m2;
            }
        }
    }
}
