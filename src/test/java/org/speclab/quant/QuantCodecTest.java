package org.speclab.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.speclab.gguf.GgmlType;

class QuantCodecTest {
    static final int ROWS = 16, COLS = 512;

    /** The input of the ggml reference harness: xorshift64*, special rows (tiny, positive, negative, zero, outliers, scaled). */
    static float[] harnessInput() {
        long s = 88172645463325252L;
        float[] x = new float[ROWS * COLS];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < COLS; c++) {
                s ^= s >>> 12;
                s ^= s << 25;
                s ^= s >>> 27;
                float v = ((s * 2685821657736338717L >>> 40) - (1 << 23)) / (float) (1 << 23);
                if (r == 1) v *= 1e-3f;
                if (r == 2) v = Math.abs(v) + 0.1f;
                if (r == 3) v = -Math.abs(v) * 3;
                if (r == 4) v = 0;
                if (r == 5 && c % 37 == 0) v *= 40;
                if (r >= 6) v *= (r - 5) * 0.37f;
                x[r * COLS + c] = v;
            }
        }
        return x;
    }

    static long fnv1a(byte[] b) {
        long h = 1469598103934665603L; // the harness's offset basis
        for (byte x : b) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * Digests and reconstruction RMSE of ggml's reference quantizers (quantize_row_*_ref at ggml
     * commit 9a4acb37, built outside this repository) on {@link #harnessInput()}: SpecLab must
     * write the same bytes.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "Q8_0, 8704, bde029232e3ad59d, 0.0142955679",
            "Q4_0, 4608, 7be12cab8a0b2d7a, 0.144386555",
            "Q4_1, 5120, 63cc169132ba3a7d, 0.139433105",
            "Q4_K, 4608, dca6e79510eb4041, 0.125269508",
            "Q6_K, 6720, 52a46be01d8af341, 0.0423368158",
            // ggml c392e509
            "Q5_0, 5632, a3287b99a8cc8afa, 0.111548307",
            "Q5_1, 6144, 205af9412f1ddf12, 0.0657848951",
            "Q5_K, 5632, 49023123fbb761af, 0.0631800141",
            "Q3_K, 3520, 81d3cf11c3a60ee2, 0.167539993",
            "Q2_K, 2688, fe06ff2bee423847, 0.303174692"})
    void sameBytesAsGgml(GgmlType type, int bytes, String digest, double rmse) {
        float[] x = harnessInput();
        BlockCodec codec = BlockCodec.of(type);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(bytes);
            codec.quantize(x, 0, x.length, out, 0);
            assertEquals(Long.parseUnsignedLong(digest, 16), fnv1a(out.toArray(ValueLayout.JAVA_BYTE)), type + " bytes differ from ggml's");
            float[] back = new float[x.length];
            codec.dequantize(out, 0, back, 0, x.length);
            double se = 0;
            for (int i = 0; i < x.length; i++) se += (back[i] - x[i]) * (double) (back[i] - x[i]);
            assertEquals(rmse, Math.sqrt(se / x.length), rmse * 1e-6);
        }
    }

    /**
     * Tensors of the reference pack (written by llama-quantize) dequantized: the float32 bytes must be
     * those of ggml's own {@code dequantize_row_*} (fnv1a digests from ggml c392e509, computed outside
     * this repository), including the types SpecLab reads but does not write.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "llama-Q5_0, blk.0.ffn_gate.weight, Q5_0, 471c3eff4c508447",
            "llama-Q5_1, blk.0.ffn_gate.weight, Q5_1, ac92493df10e146b",
            "llama-Q2_K, blk.0.ffn_gate.weight, Q2_K, 1e628f6d6a953fc8",
            "llama-Q2_K, blk.0.attn_v.weight, Q3_K, 7f690229edef1c86",
            "llama-Q3_K_M, blk.0.attn_q.weight, Q3_K, 03cab3b9f1291294",
            "llama-Q3_K_M, blk.0.ffn_gate.weight, Q3_K, 06efc74a6c9f7604",
            "llama-Q3_K_M, blk.0.ffn_down.weight, Q4_K, f129c0795959c960",
            "llama-Q3_K_M, blk.0.attn_v.weight, Q5_K, 67b3e1d57f532b7e",
            "llama-Q5_K_M, blk.0.ffn_gate.weight, Q5_K, ecb8179e23b74530",
            "llama-IQ4_NL, blk.0.ffn_gate.weight, IQ4_NL, 43c317799fec68c6",
            "llama-IQ4_XS, blk.0.ffn_gate.weight, IQ4_XS, 4c32ca61003b804f"})
    void dequantizesAsGgml(String file, String tensor, GgmlType type, String digest) {
        try (org.speclab.model.ModelFile f = org.speclab.format.ModelFiles.open(org.speclab.SharedFiles.require("reference/arch/" + file + ".gguf"), null)) {
            org.speclab.model.Tensor t = f.tensor(tensor);
            assertEquals(type, t.type());
            int n = Math.toIntExact(t.info().elementCount());
            float[] y = new float[n];
            BlockCodec.of(type).dequantize(t.data(), 0, y, 0, n);
            ByteBuffer b = ByteBuffer.allocate(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : y) b.putFloat(v);
            assertEquals(Long.parseUnsignedLong(digest, 16), fnv1a(b.array()), file + " " + tensor + ": not ggml's floats");
        }
    }

    private static MemorySegment bytes(Arena a, ByteBuffer b) {
        MemorySegment s = a.allocate(b.capacity());
        s.copyFrom(MemorySegment.ofArray(b.array()));
        return s;
    }

    @Test
    void handBuiltQ8_0() {
        ByteBuffer b = ByteBuffer.allocate(34).order(ByteOrder.LITTLE_ENDIAN).putShort(Float.floatToFloat16(0.5f));
        for (int j = 0; j < 32; j++) b.put((byte) (j - 16));
        float[] y = new float[32];
        try (Arena a = Arena.ofConfined()) {
            BlockCodec.of(GgmlType.Q8_0).dequantize(bytes(a, b), 0, y, 0, 32);
        }
        for (int j = 0; j < 32; j++) assertEquals((j - 16) * 0.5f, y[j]);
    }

    @Test
    void handBuiltQ4_0AndQ4_1() {
        ByteBuffer b = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN).putShort(Float.floatToFloat16(2f));
        for (int j = 0; j < 16; j++) b.put((byte) ((j & 0xF) | ((15 - j) << 4)));
        float[] y = new float[32];
        try (Arena a = Arena.ofConfined()) {
            BlockCodec.of(GgmlType.Q4_0).dequantize(bytes(a, b), 0, y, 0, 32);
            for (int j = 0; j < 16; j++) {
                assertEquals((j - 8) * 2f, y[j]);
                assertEquals((15 - j - 8) * 2f, y[j + 16]);
            }
            ByteBuffer c = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putShort(Float.floatToFloat16(0.25f)).putShort(Float.floatToFloat16(-1f));
            for (int j = 0; j < 16; j++) c.put((byte) (j | (j << 4)));
            BlockCodec.of(GgmlType.Q4_1).dequantize(bytes(a, c), 0, y, 0, 32);
            for (int j = 0; j < 16; j++) {
                assertEquals(j * 0.25f - 1f, y[j]);
                assertEquals(j * 0.25f - 1f, y[j + 16]);
            }
        }
    }

    @Test
    void handBuiltQ4_K() {
        // d = 1, dmin = 0.5; group scales 1..8 and mins 0..7 packed the 6-bit way; all nibbles = 3 (low) / 5 (high)
        ByteBuffer b = ByteBuffer.allocate(144).order(ByteOrder.LITTLE_ENDIAN).putShort(Float.floatToFloat16(1f)).putShort(Float.floatToFloat16(0.5f));
        byte[] sc = new byte[12];
        int[] scale = {1, 2, 3, 4, 50, 6, 7, 63}, min = {0, 1, 2, 3, 4, 40, 6, 7};
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                sc[j] = (byte) scale[j];
                sc[j + 4] = (byte) min[j];
            } else {
                sc[j + 4] = (byte) ((scale[j] & 0xF) | ((min[j] & 0xF) << 4));
                sc[j - 4] |= (byte) ((scale[j] >> 4) << 6);
                sc[j] |= (byte) ((min[j] >> 4) << 6);
            }
        }
        b.put(sc);
        for (int i = 0; i < 128; i++) b.put((byte) (3 | (5 << 4)));
        float[] y = new float[256];
        try (Arena a = Arena.ofConfined()) {
            BlockCodec.of(GgmlType.Q4_K).dequantize(bytes(a, b), 0, y, 0, 256);
        }
        for (int g = 0; g < 8; g++) {
            int q = g % 2 == 0 ? 3 : 5; // groups alternate low / high nibbles within each 64
            for (int i = 0; i < 32; i++) assertEquals(scale[g] * q - 0.5f * min[g], y[32 * g + i], "group " + g);
        }
    }

    @Test
    void handBuiltQ6_K() {
        ByteBuffer b = ByteBuffer.allocate(210).order(ByteOrder.LITTLE_ENDIAN);
        // every 6-bit value = 40 (low nibble 8, high bits 2): x = d · scale · (40 − 32)
        for (int i = 0; i < 128; i++) b.put((byte) (8 | (8 << 4)));
        for (int i = 0; i < 64; i++) b.put((byte) (2 | (2 << 2) | (2 << 4) | (2 << 6)));
        for (int i = 0; i < 16; i++) b.put((byte) (i - 8));
        b.putShort(Float.floatToFloat16(0.125f));
        float[] y = new float[256];
        try (Arena a = Arena.ofConfined()) {
            BlockCodec.of(GgmlType.Q6_K).dequantize(bytes(a, b), 0, y, 0, 256);
        }
        for (int i = 0; i < 256; i++) {
            int group = i / 16; // 16 groups of 16 elements in order
            assertEquals(0.125f * (group - 8) * 8, y[i], "element " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"})
    void roundTripErrorBounds(GgmlType type) {
        Random r = new Random(3);
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        BlockCodec c = BlockCodec.of(type);
        float[] y = new float[x.length];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(type.byteSize(x.length));
            c.quantize(x, 0, x.length, s, 0);
            c.dequantize(s, 0, y, 0, x.length);
        }
        double se = 0, sx = 0, maxRel = 0;
        for (int i = 0; i < x.length; i++) {
            se += (x[i] - y[i]) * (double) (x[i] - y[i]);
            sx += x[i] * (double) x[i];
        }
        double rel = Math.sqrt(se / sx);
        double bound = switch (type) {
            case F32 -> 0;
            case F16 -> 5e-4;
            case BF16 -> 4e-3;
            case Q8_0 -> 0.01;
            case Q6_K -> 0.03;
            default -> 0.13; // 4-bit types
        };
        assertTrue(rel <= bound, type + ": relative RMSE " + rel + " > " + bound);
        if (type == GgmlType.F32) assertArrayEquals(x, y);
    }

    @Test
    void q8_0ErrorIsAboutHalfAStep() {
        float[] x = harnessInput();
        float[] y = new float[x.length];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(GgmlType.Q8_0.byteSize(x.length));
            BlockCodec.of(GgmlType.Q8_0).quantize(x, 0, x.length, s, 0);
            BlockCodec.of(GgmlType.Q8_0).dequantize(s, 0, y, 0, x.length);
            for (int b = 0; b < x.length / 32; b++) {
                float d = Float.float16ToFloat(s.get(BlockCodec.SHORT, 34L * b));
                if (d < 6.1e-5f) continue; // a subnormal f16 scale is coarser than 2^-11: the tiny-value row
                // half a step, plus what storing d as f16 (relative error ≤ 2^-11) adds over 127 steps
                for (int j = 0; j < 32; j++) assertTrue(Math.abs(x[32 * b + j] - y[32 * b + j]) <= d * (0.5f + 127f / 2048f) + 1e-7f);
            }
        }
    }

    @Test
    void halfAndBfloatRounding() {
        assertEquals((short) 0x3c00, Float.floatToFloat16(1f));
        // bfloat16: round to nearest even on the dropped 16 bits; NaN stays NaN
        assertEquals((short) 0x3f80, BF16Codec.fromFloat(Float.intBitsToFloat(0x3f808000))); // tie → even (0x3f80)
        assertEquals((short) 0x3f82, BF16Codec.fromFloat(Float.intBitsToFloat(0x3f818000))); // tie → even (0x3f82)
        assertEquals((short) 0x3f81, BF16Codec.fromFloat(Float.intBitsToFloat(0x3f808001)));
        assertTrue(Float.isNaN(Float.intBitsToFloat(BF16Codec.fromFloat(Float.NaN) << 16)));
        assertEquals(-2, BlockCodec.nearestInt(-2.5f)); // ties to even, as ggml's nearest_int
        assertEquals(-3f, BlockCodec.roundf(-2.5f));    // roundf: away from zero
        assertEquals(0f, BlockCodec.roundf(0.49999997f));
    }

    @Test
    void q4kmMixFollowsLlamaCpp() {
        int n = 32;
        StringBuilder bumped = new StringBuilder();
        for (int l = 0; l < n; l++) if (QuantPreset.kmTypeFor(GgmlType.Q4_K, "blk." + l + ".attn_v.weight", l, n) == GgmlType.Q6_K) bumped.append(l).append(' ');
        // first and last eighth, then every third layer from n/8 + 2
        assertEquals("0 1 2 3 6 9 12 15 18 21 24 27 28 29 30 31 ", bumped.toString());
        assertEquals(GgmlType.Q4_K, QuantPreset.kmTypeFor(GgmlType.Q4_K, "blk.5.attn_q.weight", 5, n));
        assertEquals(GgmlType.Q6_K, QuantPreset.kmTypeFor(GgmlType.Q4_K, "blk.0.ffn_down.weight", 0, n));
        assertEquals(GgmlType.Q4_K, QuantPreset.kmTypeFor(GgmlType.Q4_K, "blk.4.ffn_down.weight", 4, n));
        // Q5_K_M: the same layers, from Q5_K; a fused attn_qkv one step up in either mix
        assertEquals(GgmlType.Q6_K, QuantPreset.kmTypeFor(GgmlType.Q5_K, "blk.6.attn_v.weight", 6, n));
        assertEquals(GgmlType.Q5_K, QuantPreset.kmTypeFor(GgmlType.Q5_K, "blk.7.attn_v.weight", 7, n));
        assertEquals(GgmlType.Q5_K, QuantPreset.kmTypeFor(GgmlType.Q4_K, "blk.7.attn_qkv.weight", 7, n));
        assertEquals(GgmlType.Q6_K, QuantPreset.kmTypeFor(GgmlType.Q5_K, "blk.7.attn_qkv.weight", 7, n));
        // Q3_K_M: attn_v Q5_K on layers 0-1 then Q4_K; ffn_down Q5_K on the first sixteenth; attn_output Q4_K
        assertEquals(GgmlType.Q5_K, QuantPreset.kmTypeFor(GgmlType.Q3_K, "blk.1.attn_v.weight", 1, n));
        assertEquals(GgmlType.Q4_K, QuantPreset.kmTypeFor(GgmlType.Q3_K, "blk.2.attn_v.weight", 2, n));
        assertEquals(GgmlType.Q5_K, QuantPreset.kmTypeFor(GgmlType.Q3_K, "blk.1.ffn_down.weight", 1, n));
        assertEquals(GgmlType.Q4_K, QuantPreset.kmTypeFor(GgmlType.Q3_K, "blk.2.ffn_down.weight", 2, n));
        assertEquals(GgmlType.Q4_K, QuantPreset.kmTypeFor(GgmlType.Q3_K, "blk.9.attn_output.weight", 9, n));
        assertEquals(GgmlType.Q3_K, QuantPreset.kmTypeFor(GgmlType.Q3_K, "blk.9.ffn_up.weight", 9, n));
    }
}
