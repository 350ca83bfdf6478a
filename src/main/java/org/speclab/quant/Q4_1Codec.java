package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/** Blocks of 32: {f16 d; f16 m; u8 qs[16]}, x = d·q + m, with m the block minimum and d = (max − min) / 15. */
public final class Q4_1Codec implements BlockCodec {
    static final Q4_1Codec INSTANCE = new Q4_1Codec();

    @Override
    public GgmlType type() { return GgmlType.Q4_1; }

    @Override
    public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n / 32; b++) {
            int base = off + 32 * b;
            long o = dstOff + 20L * b;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = x[base + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15f;
            float id = d != 0f ? 1.0f / d : 0.0f;
            BlockCodec.putHalf(dst, o, d);
            BlockCodec.putHalf(dst, o + 2, min);
            for (int j = 0; j < 16; j++) {
                float x0 = (x[base + j] - min) * id, x1 = (x[base + 16 + j] - min) * id;
                int q0 = Math.min(15, (byte) (int) (x0 + 0.5f)), q1 = Math.min(15, (byte) (int) (x1 + 0.5f));
                dst.set(ValueLayout.JAVA_BYTE, o + 4 + j, (byte) (q0 | (q1 << 4)));
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = srcOff + 20L * b;
            float d = BlockCodec.half(src, o), m = BlockCodec.half(src, o + 2);
            for (int j = 0; j < 16; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, o + 4 + j) & 0xff;
                y[off + 32 * b + j] = (q & 0xF) * d + m;
                y[off + 32 * b + j + 16] = (q >>> 4) * d + m;
            }
        }
    }
}
