package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/**
 * Blocks of 32: {f16 d; f16 m; u8 qh[4]; u8 qs[16]}, the five-bit codes laid out as Q5_0's;
 * x = d·q + m, with m the block's minimum and d = (max − min) / 31.
 */
public final class Q5_1Codec implements BlockCodec {
    static final Q5_1Codec INSTANCE = new Q5_1Codec();

    @Override
    public GgmlType type() { return GgmlType.Q5_1; }

    @Override
    public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n / 32; b++) {
            int base = off + 32 * b;
            long o = dstOff + 24L * b;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = x[base + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31f;
            float id = d != 0f ? 1.0f / d : 0.0f;
            BlockCodec.putHalf(dst, o, d);
            BlockCodec.putHalf(dst, o + 2, min);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = ((int) ((x[base + j] - min) * id + 0.5f)) & 0xff, q1 = ((int) ((x[base + 16 + j] - min) * id + 0.5f)) & 0xff;
                dst.set(ValueLayout.JAVA_BYTE, o + 8 + j, (byte) ((q0 & 0xF) | ((q1 & 0xF) << 4)));
                qh |= ((q0 & 0x10) >>> 4) << j;
                qh |= ((q1 & 0x10) >>> 4) << (j + 16);
            }
            dst.set(BlockCodec.INT, o + 4, qh);
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = srcOff + 24L * b;
            float d = BlockCodec.half(src, o), m = BlockCodec.half(src, o + 2);
            int qh = src.get(BlockCodec.INT, o + 4);
            for (int j = 0; j < 16; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, o + 8 + j) & 0xff;
                y[off + 32 * b + j] = ((q & 0xF) | (((qh >>> j) << 4) & 0x10)) * d + m;
                y[off + 32 * b + j + 16] = ((q >>> 4) | ((qh >>> (j + 12)) & 0x10)) * d + m;
            }
        }
    }
}
