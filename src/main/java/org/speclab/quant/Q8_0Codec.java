package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/** Blocks of 32: {f16 d; int8 q[32]}, x = d·q, d = max|x| / 127. */
public final class Q8_0Codec implements BlockCodec {
    static final Q8_0Codec INSTANCE = new Q8_0Codec();

    @Override
    public GgmlType type() { return GgmlType.Q8_0; }

    @Override
    public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n / 32; b++) {
            int base = off + 32 * b;
            long o = dstOff + 34L * b;
            float amax = 0f;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[base + j]));
            float d = amax / 127f;
            float id = d != 0f ? 1.0f / d : 0.0f;
            BlockCodec.putHalf(dst, o, d);
            for (int j = 0; j < 32; j++) dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) BlockCodec.roundf(x[base + j] * id));
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = srcOff + 34L * b;
            float d = BlockCodec.half(src, o);
            for (int j = 0; j < 32; j++) y[off + 32 * b + j] = src.get(ValueLayout.JAVA_BYTE, o + 2 + j) * d;
        }
    }
}
