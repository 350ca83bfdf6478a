package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/**
 * The weight types SpecLab reads but does not write (llama.cpp's Q2_K, Q3_K, IQ4_NL, IQ4_XS,
 * found in the files people download): each dequantizes exactly as ggml's {@code dequantize_row_*}
 * does. {@code quantize} refuses: {@code QuantType} offers none of them.
 */
final class ReadOnlyCodecs {
    private ReadOnlyCodecs() {}

    static byte b(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off); }

    static int u(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off) & 0xff; }

    static UnsupportedOperationException refuse(GgmlType t) {
        return new UnsupportedOperationException("SpecLab reads " + t + " weights but does not write them");
    }

    /** llama.cpp's non-linear 4-bit levels of IQ4_NL and IQ4_XS. */
    static final int[] IQ4_LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    /**
     * Q2_K: super-blocks of 256, {u8 scales[16]; u8 qs[64]; f16 d; f16 dmin}; 16 groups of 16, each with
     * a 4-bit scale (low nibble) and 4-bit min (high nibble); x = d·scale·q − dmin·min, q in 0..3.
     */
    static final class Q2_K implements BlockCodec {
        static final Q2_K INSTANCE = new Q2_K();

        @Override
        public GgmlType type() { return GgmlType.Q2_K; }

        @Override
        public boolean writes() { return false; }

        @Override
        public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) { throw refuse(type()); }

        @Override
        public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
            int k = off;
            for (int b = 0; b < n / 256; b++) {
                long o = srcOff + 84L * b;
                float d = BlockCodec.half(src, o + 80), min = BlockCodec.half(src, o + 82);
                int is = 0;
                for (int half = 0; half < 2; half++) {
                    long q = o + 16 + 32L * half;
                    for (int shift = 0; shift < 8; shift += 2) {
                        for (int part = 0; part < 2; part++) {
                            int sc = u(src, o + is++);
                            float dl = d * (sc & 0xF), ml = min * (sc >>> 4);
                            for (int l = 0; l < 16; l++) y[k++] = dl * ((u(src, q + 16 * part + l) >>> shift) & 3) - ml;
                        }
                    }
                }
            }
        }
    }

    /**
     * Q3_K: super-blocks of 256, {u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}; 16 groups of 16 with
     * 6-bit signed scales (minus 32); x = d·scale·(q − 4·[high bit clear]), q's low two bits in qs.
     */
    static final class Q3_K implements BlockCodec {
        static final Q3_K INSTANCE = new Q3_K();

        @Override
        public GgmlType type() { return GgmlType.Q3_K; }

        @Override
        public boolean writes() { return false; }

        @Override
        public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) { throw refuse(type()); }

        /** The 16 six-bit scales from the 12 packed bytes, as ggml unpacks them (minus 32). */
        static void scales(MemorySegment s, long off, int[] out) {
            int a0 = s.get(BlockCodec.INT, off), a1 = s.get(BlockCodec.INT, off + 4), tmp = s.get(BlockCodec.INT, off + 8);
            int m1 = 0x03030303, m2 = 0x0f0f0f0f;
            int[] aux = {(a0 & m2) | (((tmp) & m1) << 4), (a1 & m2) | (((tmp >>> 2) & m1) << 4),
                         ((a0 >>> 4) & m2) | (((tmp >>> 4) & m1) << 4), ((a1 >>> 4) & m2) | (((tmp >>> 6) & m1) << 4)};
            for (int i = 0; i < 16; i++) out[i] = (byte) (aux[i / 4] >>> (8 * (i % 4))) - 32;
        }

        @Override
        public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
            int[] sc = new int[16];
            int k = off;
            for (int b = 0; b < n / 256; b++) {
                long o = srcOff + 110L * b;
                float d = BlockCodec.half(src, o + 108);
                scales(src, o + 96, sc);
                int is = 0, m = 1;
                for (int half = 0; half < 2; half++) {
                    long q = o + 32 + 32L * half;
                    for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                        for (int part = 0; part < 2; part++) {
                            float dl = d * sc[is++];
                            for (int l = 0; l < 16; l++) {
                                int low = (u(src, q + 16 * part + l) >>> shift) & 3;
                                int high = (u(src, o + 16 * part + l) & m) != 0 ? 0 : 4;
                                y[k++] = dl * (low - high);
                            }
                        }
                    }
                }
            }
        }
    }

    /** IQ4_NL: blocks of 32, {f16 d; u8 qs[16]} (Q4_0's nibble order); x = d·level[q]. */
    static final class IQ4_NL implements BlockCodec {
        static final IQ4_NL INSTANCE = new IQ4_NL();

        @Override
        public GgmlType type() { return GgmlType.IQ4_NL; }

        @Override
        public boolean writes() { return false; }

        @Override
        public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) { throw refuse(type()); }

        @Override
        public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
            for (int b = 0; b < n / 32; b++) {
                long o = srcOff + 18L * b;
                float d = BlockCodec.half(src, o);
                for (int j = 0; j < 16; j++) {
                    int q = u(src, o + 2 + j);
                    y[off + 32 * b + j] = d * IQ4_LEVELS[q & 0xF];
                    y[off + 32 * b + j + 16] = d * IQ4_LEVELS[q >>> 4];
                }
            }
        }
    }

    /**
     * IQ4_XS: super-blocks of 256, {f16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}; eight groups of 32
     * in IQ4_NL's layout, each with a 6-bit scale (minus 32); x = d·scale·level[q].
     */
    static final class IQ4_XS implements BlockCodec {
        static final IQ4_XS INSTANCE = new IQ4_XS();

        @Override
        public GgmlType type() { return GgmlType.IQ4_XS; }

        @Override
        public boolean writes() { return false; }

        @Override
        public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) { throw refuse(type()); }

        @Override
        public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
            int k = off;
            for (int b = 0; b < n / 256; b++) {
                long o = srcOff + 136L * b;
                float d = BlockCodec.half(src, o);
                int high = src.get(BlockCodec.SHORT, o + 2) & 0xffff;
                for (int g = 0; g < 8; g++) {
                    int ls = ((u(src, o + 4 + g / 2) >>> (4 * (g % 2))) & 0xF) | (((high >>> (2 * g)) & 3) << 4);
                    float dl = d * (ls - 32);
                    long q = o + 8 + 16L * g;
                    for (int j = 0; j < 16; j++) y[k + j] = dl * IQ4_LEVELS[u(src, q + j) & 0xF];
                    for (int j = 0; j < 16; j++) y[k + 16 + j] = dl * IQ4_LEVELS[u(src, q + j) >>> 4];
                    k += 32;
                }
            }
        }
    }
}
