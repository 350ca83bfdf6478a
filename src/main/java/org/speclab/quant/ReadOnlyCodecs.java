package org.speclab.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.speclab.gguf.GgmlType;

/**
 * llama.cpp's 2- and 3-bit K-quants and its non-linear 4-bit types, found in the files people
 * download: each dequantizes exactly as ggml's {@code dequantize_row_*} does. Q2_K and Q3_K are
 * also written, as ggml's reference quantizers write them; IQ4_NL and IQ4_XS are only read
 * ({@code quantize} refuses: {@code QuantType} offers neither).
 */
final class ReadOnlyCodecs {
    private ReadOnlyCodecs() {}

    static byte b(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off); }

    static int u(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off) & 0xff; }

    static UnsupportedOperationException refuse(GgmlType t) {
        return new UnsupportedOperationException("SpecLab reads " + t + " weights but does not write them");
    }

    /** 256 two-bit levels into 64 bytes as ggml packs them: byte l of each 32 holds levels l, l+32, l+64, l+96 of its 128. */
    static void packTwoBits(int[] levels, MemorySegment dst, long at) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, at + j / 4 + l,
                        (byte) (levels[j + l] | (levels[j + l + 32] << 2) | (levels[j + l + 64] << 4) | (levels[j + l + 96] << 6)));
            }
        }
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

        /** ggml's quantize_row_q2_K_ref: per group of 16 an |x|-weighted (scale, min) search on absolute errors. */
        @Override
        public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
            int[] levels = new int[256], aux = new int[16];
            float[] weights = new float[16], mins = new float[16], scales = new float[16], res = new float[2];
            byte[] sc = new byte[16];
            for (int b = 0; b < n / 256; b++) {
                int base = off + 256 * b;
                long o = dstOff + 84L * b;
                float maxScale = 0, maxMin = 0;
                for (int j = 0; j < 16; j++) {
                    for (int l = 0; l < 16; l++) weights[l] = Math.abs(x[base + 16 * j + l]);
                    KQuantSearch.scaleAndMin(16, 3, x, base + 16 * j, weights, levels, 16 * j, aux, -0.5f, 0.1f, 15, true, res);
                    scales[j] = res[0];
                    mins[j] = res[1];
                    if (scales[j] > maxScale) maxScale = scales[j];
                    if (mins[j] > maxMin) maxMin = mins[j];
                }
                java.util.Arrays.fill(sc, (byte) 0);
                if (maxScale > 0) {
                    float iscale = 15f / maxScale;
                    for (int j = 0; j < 16; j++) sc[j] = (byte) BlockCodec.nearestInt(iscale * scales[j]);
                    BlockCodec.putHalf(dst, o + 80, maxScale / 15f);
                } else {
                    BlockCodec.putHalf(dst, o + 80, 0f);
                }
                if (maxMin > 0) {
                    float iscale = 15f / maxMin;
                    for (int j = 0; j < 16; j++) sc[j] |= (byte) (BlockCodec.nearestInt(iscale * mins[j]) << 4);
                    BlockCodec.putHalf(dst, o + 82, maxMin / 15f);
                } else {
                    BlockCodec.putHalf(dst, o + 82, 0f);
                }
                float dAll = BlockCodec.half(dst, o + 80), mAll = BlockCodec.half(dst, o + 82);
                for (int j = 0; j < 16; j++) {
                    float d = dAll * (sc[j] & 0xF);
                    if (d == 0f) continue;
                    float dm = mAll * ((sc[j] & 0xff) >>> 4);
                    for (int i = 0; i < 16; i++) {
                        levels[16 * j + i] = Math.max(0, Math.min(3, BlockCodec.nearestInt((x[base + 16 * j + i] + dm) / d)));
                    }
                }
                MemorySegment.copy(sc, 0, dst, ValueLayout.JAVA_BYTE, o, 16);
                packTwoBits(levels, dst, o + 16);
            }
        }

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

        /** ggml's quantize_row_q3_K_ref: per group of 16 a symmetric 3-bit search, scales to 6 bits. */
        @Override
        public void quantize(float[] x, int off, int n, MemorySegment dst, long dstOff) {
            int[] levels = new int[256];
            float[] scales = new float[16];
            byte[] packed = new byte[12], hmask = new byte[32];
            for (int b = 0; b < n / 256; b++) {
                int base = off + 256 * b;
                long o = dstOff + 110L * b;
                float maxScale = 0, amax = 0;
                for (int j = 0; j < 16; j++) {
                    scales[j] = KQuantSearch.q3(16, 4, x, base + 16 * j, levels, 16 * j);
                    float a = Math.abs(scales[j]);
                    if (a > amax) {
                        amax = a;
                        maxScale = scales[j];
                    }
                }
                java.util.Arrays.fill(packed, (byte) 0);
                if (maxScale != 0) {
                    float iscale = -32f / maxScale;
                    for (int j = 0; j < 16; j++) {
                        int l = Math.max(-32, Math.min(31, (byte) BlockCodec.nearestInt(iscale * scales[j]))) + 32;
                        if (j < 8) packed[j] = (byte) (l & 0xF);
                        else packed[j - 8] |= (byte) ((l & 0xF) << 4);
                        packed[j % 4 + 8] |= (byte) ((l >> 4) << (2 * (j / 4)));
                    }
                    BlockCodec.putHalf(dst, o + 108, 1 / iscale);
                } else {
                    BlockCodec.putHalf(dst, o + 108, 0f);
                }
                float dAll = BlockCodec.half(dst, o + 108);
                for (int j = 0; j < 16; j++) {
                    int s = j < 8 ? packed[j] & 0xF : (packed[j - 8] & 0xff) >>> 4;
                    s = (s | (((packed[8 + j % 4] & 0xff) >>> (2 * (j / 4))) & 3) << 4) - 32;
                    float d = dAll * s;
                    if (d == 0f) continue;
                    for (int i = 0; i < 16; i++) levels[16 * j + i] = Math.max(-4, Math.min(3, BlockCodec.nearestInt(x[base + 16 * j + i] / d))) + 4;
                }
                java.util.Arrays.fill(hmask, (byte) 0);
                for (int j = 0, m = 0, hm = 1; j < 256; j++) {
                    if (levels[j] > 3) {
                        hmask[m] |= (byte) hm;
                        levels[j] -= 4;
                    }
                    if (++m == 32) {
                        m = 0;
                        hm <<= 1;
                    }
                }
                MemorySegment.copy(hmask, 0, dst, ValueLayout.JAVA_BYTE, o, 32);
                packTwoBits(levels, dst, o + 32);
                MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, o + 96, 12);
            }
        }

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

        /** Block g's 6-bit scale (minus 32) of the super-block at {@code o}: its low four bits in scales_l, the high two in scales_h. */
        static int scale(MemorySegment src, long o, int g) {
            int high = src.get(BlockCodec.SHORT, o + 2) & 0xffff;
            return (((u(src, o + 4 + g / 2) >>> (4 * (g % 2))) & 0xF) | (((high >>> (2 * g)) & 3) << 4)) - 32;
        }

        @Override
        public void dequantize(MemorySegment src, long srcOff, float[] y, int off, int n) {
            int k = off;
            for (int b = 0; b < n / 256; b++) {
                long o = srcOff + 136L * b;
                float d = BlockCodec.half(src, o);
                for (int g = 0; g < 8; g++) {
                    float dl = d * scale(src, o, g);
                    long q = o + 8 + 16L * g;
                    for (int j = 0; j < 16; j++) y[k + j] = dl * IQ4_LEVELS[u(src, q + j) & 0xF];
                    for (int j = 0; j < 16; j++) y[k + 16 + j] = dl * IQ4_LEVELS[u(src, q + j) >>> 4];
                    k += 32;
                }
            }
        }
    }
}
