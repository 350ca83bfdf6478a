package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import org.speclab.gguf.GgmlType;

/** bfloat16: the upper 16 bits of a float32, rounded to nearest even; NaN stays a (quiet) NaN. */
public final class BF16Codec implements BlockCodec {
    static final BF16Codec INSTANCE = new BF16Codec();

    @Override
    public GgmlType type() { return GgmlType.BF16; }

    static short fromFloat(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64); // NaN: force quiet
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int i = 0; i < n; i++) dst.set(SHORT, dstOff + 2L * i, fromFloat(src[srcOff + i]));
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = Float.intBitsToFloat(src.get(SHORT, srcOff + 2L * i) << 16);
    }
}
