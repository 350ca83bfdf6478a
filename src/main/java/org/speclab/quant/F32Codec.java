package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import org.speclab.gguf.GgmlType;

/** float32, little-endian. */
public final class F32Codec implements BlockCodec {
    static final F32Codec INSTANCE = new F32Codec();

    @Override
    public GgmlType type() { return GgmlType.F32; }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int i = 0; i < n; i++) dst.set(FLOAT, dstOff + 4L * i, src[srcOff + i]);
    }

    @Override
    public void dequantize(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = src.get(FLOAT, srcOff + 4L * i);
    }
}
