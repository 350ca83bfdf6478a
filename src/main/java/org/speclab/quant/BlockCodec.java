package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.speclab.gguf.GgmlType;

/**
 * Encodes and decodes one ggml tensor type, block by block, exactly as the GGUF specification lays
 * the blocks out. Quantization follows ggml's reference quantizers (the ones llama.cpp uses when no
 * importance matrix is given), so Q8_0, Q4_0 and Q4_1 produce llama.cpp's bytes.
 */
public sealed interface BlockCodec permits F32Codec, F16Codec, BF16Codec, Q8_0Codec, Q4_0Codec, Q4_1Codec, Q5_0Codec, Q5_1Codec,
        Q4_KCodec, Q5_KCodec, Q6_KCodec, ReadOnlyCodecs.Q2_K, ReadOnlyCodecs.Q3_K, ReadOnlyCodecs.IQ4_NL, ReadOnlyCodecs.IQ4_XS {
    ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    GgmlType type();

    /** Whether {@link #quantize} writes this type (some types are only read). */
    default boolean writes() { return true; }

    /** Quantizes n floats (a multiple of the block size) from src[srcOff..] into dst at byte offset dstOff. */
    void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff);

    /** Dequantizes n elements (a multiple of the block size) stored at byte offset srcOff into dst[dstOff..]. */
    void dequantize(MemorySegment src, long srcOff, float[] dst, int dstOff, int n);

    /** IQ4_NL's and IQ4_XS's sixteen levels (ggml's kvalues_iq4nl), the value of 4-bit code {@code code}. */
    static int iq4Level(int code) { return ReadOnlyCodecs.IQ4_LEVELS[code]; }

    /** IQ4_XS: block g's 6-bit scale (minus 32) of the super-block at {@code off}, as ggml unpacks it. */
    static int iq4xsScale(MemorySegment s, long off, int g) { return ReadOnlyCodecs.IQ4_XS.scale(s, off, g); }

    /** Q3_K's sixteen 6-bit scales (minus 32) from the 12 bytes at {@code off}, as ggml unpacks them. */
    static void q3kScales(MemorySegment s, long off, int[] out) { ReadOnlyCodecs.Q3_K.scales(s, off, out); }

    /** The codec of {@code t} ({@link WeightType}'s row); a type SpecLab does not read is refused with the list of those it does. */
    static BlockCodec of(GgmlType t) {
        return WeightType.require(t).codec;
    }

    /** The value of largest magnitude in x[from .. from + n), signed (the first of equals), or 0: as ggml's quantizers find it. */
    static float largestMagnitude(float[] x, int from, int n) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < n; j++) {
            float v = x[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** ggml's nearest_int: round to nearest, ties to even, through the float magic number 1.5·2^23. */
    static int nearestInt(float v) {
        return (Float.floatToRawIntBits(v + 12582912f) & 0x007fffff) - 0x00400000;
    }

    /** C's roundf: halves away from zero. */
    static float roundf(float x) {
        float a = Math.abs(x);
        float t = (float) Math.floor(a);
        if (a - t >= 0.5f) t += 1f;
        return Math.copySign(t, x);
    }

    static float half(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(SHORT, off));
    }

    static void putHalf(MemorySegment s, long off, float v) {
        s.set(SHORT, off, Float.floatToFloat16(v));
    }
}
