package org.speclab.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.speclab.gguf.GgmlType;

/**
 * Rows that stress a quantizer — all zeros, a constant, tiny values (3e-7, 1e-12), sparse rows,
 * a different scale per block, one-signed rows, values that overflow F16 — quantized by SpecLab
 * and by ggml's own ggml_quantize_chunk (commit 9a4acb37, built outside this repository, no
 * importance matrix): the bytes must be the same for every type.
 */
class QuantEdgeCaseTest {
    static final int ROWS = 24, COLS = 512;
    private static long state;

    private static float uniform() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (float) ((int) ((state * 0x2545F4914F6CDD1DL) >>> 40) - (1 << 23)) / 8388608.0f;
    }

    static float[] input() {
        state = 0x9E3779B97F4A7C15L;
        float[] x = new float[ROWS * COLS];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < COLS; c++) {
                float u = uniform(), v;
                switch (r % 12) {
                    case 0 -> v = u * 0.05f;
                    case 1 -> {
                        v = u;
                        v += uniform();
                        v += uniform();
                        v += uniform();
                        v *= 0.02f;
                    }
                    case 2 -> v = c % 37 == 0 ? u * 0.1f * 30.0f : u * 0.1f;
                    case 3 -> v = 0.0f;
                    case 4 -> v = -Math.abs(u) * 0.3f;
                    case 5 -> v = Math.abs(u) + 0.5f;
                    case 6 -> v = u * 3e-7f;
                    case 7 -> v = r < 12 ? u * 1e-12f : u * 1e5f;
                    case 8 -> v = c < 256 ? 0.0f : u;
                    case 9 -> v = 0.25f;
                    case 10 -> v = c % 64 == 5 ? u * 2.0f : 0.0f;
                    default -> v = u * ((float) (1 << ((c / 32) % 8)) / 16.0f);
                }
                if (r >= 12) v *= 1.7f;
                x[r * COLS + c] = v;
            }
        }
        return x;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "F16, 5d4e27b59958f567c7e71ec5959067431e369e9155f1513bd9cd1638841ba662",
            "BF16, ae05a6923f106ea8ca3a4f94822152869f71ab056147e509bf2ec5062a50d123",
            "Q8_0, e8c652c9f24d858db50cf97aefc237ade36be9e1db3d4d7ba6adcad8960c7cf9",
            "Q4_0, b4c7af9734cd661fd501203c10d81e01cd5e04670f0ee988f5587425e07907f5",
            "Q4_1, 0b1968315fb37e527a1024b748e0388910ccd98319a6d78b169ebad8ab544766",
            "Q4_K, 0da650c35c57092b4aefb6f73ecaa2b51efaacdb3fd6785f8269e347fc2a9ded",
            "Q6_K, 809c552ef9ca59154972193d55de57a4367c3c9e259438ac5fc7458585fdcfce"})
    void sameBytesAsGgml(GgmlType type, String digest) throws Exception {
        float[] x = input();
        byte[] in = new byte[x.length * 4];
        MemorySegment.ofArray(in).copyFrom(MemorySegment.ofArray(x));
        assertEquals("6ef137a35dc2e022d56c2283e06b6014d5902ae2989b08ea42040afca5f13d4b", sha256(in), "the input itself");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(type.byteSize(x.length));
            BlockCodec.of(type).quantize(x, 0, x.length, out, 0);
            assertEquals(digest, sha256(out.toArray(ValueLayout.JAVA_BYTE)), type + " bytes differ from ggml's");
        }
    }
}
