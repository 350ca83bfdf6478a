package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/**
 * Blocks of 32: {f16 d; u8 qs[16]}, element j in the low nibble of qs[j], element j+16 in the high
 * nibble; x = d·(q − 8), with d = (the value of largest magnitude) / −8.
 */
public final class Q4_0Codec implements BlockCodec {
    static final Q4_0Codec INSTANCE = new Q4_0Codec();

    @Override
    public GgmlType type() { return GgmlType.Q4_0; }

    @Override
    public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n / 32; b++) {
            int base = off + 32 * b;
            long o = dstOff + 18L * b;
            float max = BlockCodec.largestMagnitude(x, base, 32);
            float d = max / -8f;
            float id = d != 0f ? 1.0f / d : 0.0f;
            BlockCodec.putHalf(dst, o, d);
            for (int j = 0; j < 16; j++) {
                float x0 = x[base + j] * id, x1 = x[base + 16 + j] * id;
                int q0 = Math.min(15, (byte) (int) (x0 + 8.5f)), q1 = Math.min(15, (byte) (int) (x1 + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (q0 | (q1 << 4)));
            }
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = srcOff + 18L * b;
            float d = BlockCodec.half(src, o);
            for (int j = 0; j < 16; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xff;
                y[off + 32 * b + j] = ((q & 0xF) - 8) * d;
                y[off + 32 * b + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
