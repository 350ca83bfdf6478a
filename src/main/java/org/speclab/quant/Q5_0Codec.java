package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/**
 * Blocks of 32: {f16 d; u8 qh[4]; u8 qs[16]}: element j's low four bits in the low nibble of qs[j]
 * (element j+16: the high nibble), its fifth bit in bit j of qh (element j+16: bit j+16);
 * x = d·(q − 16), with d = (the value of largest magnitude) / −16.
 */
public final class Q5_0Codec implements BlockCodec {
    static final Q5_0Codec INSTANCE = new Q5_0Codec();

    @Override
    public GgmlType type() { return GgmlType.Q5_0; }

    @Override
    public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n / 32; b++) {
            int base = off + 32 * b;
            long o = dstOff + 22L * b;
            float max = BlockCodec.largestMagnitude(x, base, 32);
            float d = max / -16f;
            float id = d != 0f ? 1.0f / d : 0.0f;
            BlockCodec.putHalf(dst, o, d);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(31, (byte) (int) (x[base + j] * id + 16.5f)), q1 = Math.min(31, (byte) (int) (x[base + 16 + j] * id + 16.5f));
                dst.set(ValueLayout.JAVA_BYTE, o + 6 + j, (byte) ((q0 & 0xF) | ((q1 & 0xF) << 4)));
                qh |= ((q0 & 0x10) >>> 4) << j;
                qh |= ((q1 & 0x10) >>> 4) << (j + 16);
            }
            dst.set(BlockCodec.INT, o + 2, qh);
        }
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = srcOff + 22L * b;
            float d = BlockCodec.half(src, o);
            int qh = src.get(BlockCodec.INT, o + 2);
            for (int j = 0; j < 16; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, o + 6 + j) & 0xff;
                y[off + 32 * b + j] = (((q & 0xF) | (((qh >>> j) << 4) & 0x10)) - 16) * d;
                y[off + 32 * b + j + 16] = (((q >>> 4) | ((qh >>> (j + 12)) & 0x10)) - 16) * d;
            }
        }
    }
}
