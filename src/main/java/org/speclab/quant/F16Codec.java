package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import org.speclab.gguf.GgmlType;

/** IEEE half precision, rounded to nearest even as ggml converts. */
public final class F16Codec implements BlockCodec {
    static final F16Codec INSTANCE = new F16Codec();

    @Override
    public GgmlType type() { return GgmlType.F16; }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int i = 0; i < n; i++) dst.set(SHORT, dstOff + 2L * i, Float.floatToFloat16(src[srcOff + i]));
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src.get(SHORT, srcOff + 2L * i));
    }
}
