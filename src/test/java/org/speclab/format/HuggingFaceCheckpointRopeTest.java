package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.speclab.format.HuggingFaceCheckpointTest.assertSameLogits;
import static org.speclab.format.HuggingFaceCheckpointTest.logits;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.cli.CliRun;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufWriter;
import org.speclab.model.ModelFile;

/** Llama 3's frequency-dependent RoPE scaling becomes the rope_freqs.weight tensor llama.cpp writes. */
class HuggingFaceCheckpointRopeTest {
    @TempDir
    Path dir;

    static RopeScaling llama3(String json) throws Exception {
        return RopeScaling.from(Path.of("config.json"), new ObjectMapper().readTree(json), new ObjectMapper().readTree("{}"), 8192, 64);
    }

    @Test
    void llama31FactorsAsLlamaCppComputesThem() throws Exception {
        // Llama 3.1 8B: rope_theta 500000, head_dim 128
        RopeScaling r = llama3("{\"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"}");
        float[] f = r.llama3Factors(500000, 128);
        assertEquals(64, f.length);
        // the smooth band, from llama.cpp's formula evaluated in numpy float32 with torch's order of
        // operations (a / t as reciprocal(t) * a); everything before is 1, everything after is 8
        float[] band = {Float.intBitsToFloat(0x3f9a8ed5), Float.intBitsToFloat(0x3fc6d64a), Float.intBitsToFloat(0x4001af1d),
                        Float.intBitsToFloat(0x402c732e), Float.intBitsToFloat(0x406bcace), Float.intBitsToFloat(0x40a83c06)};
        for (int i = 0; i < 64; i++) {
            float want = i < 29 ? 1f : i > 34 ? 8f : band[i - 29];
            assertEquals(want, f[i], "factor " + i);
        }
        // and the same numbers in double precision, as Meta's reference writes the formula
        for (int i = 0; i < 64; i++) {
            double freq = Math.pow(500000, -2.0 * i / 128), wavelen = 2 * Math.PI / freq, want;
            if (wavelen < 2048) want = 1;
            else if (wavelen > 8192) want = 8;
            else {
                double smooth = (8192 / wavelen - 1) / 3;
                want = 1 / ((1 - smooth) / 8 + smooth);
            }
            assertEquals(want, f[i], want * 1e-6, "factor " + i);
        }
    }

    @Test
    void llama3DefaultsAreLlamaCpps() throws Exception {
        RopeScaling r = llama3("{\"rope_type\": \"llama3\"}");
        assertEquals(8f, r.factor());
        assertEquals(8192, r.originalContext());
        assertNull(llama3("{\"type\": \"linear\"}"), "llama.cpp writes nothing for a linear scaling without a factor");
        assertNull(llama3("null"));
        assertNull(llama3("{\"rope_type\": \"default\"}"));
    }

    private static byte[] littleEndian(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    @Test
    void theEngineRunsTheScaledFrequencies() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F16, false, 3);
        ObjectNode config = m.config();
        config.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        Path hf = m.writeHf(dir.resolve("llama3"), config, 2);
        // head size 16, theta 10000: pairs 0-5 are short waves (1), pair 6 is in the band, pair 7 is long (8)
        float[] factors = {1, 1, 1, 1, 1, 1, 4.681482315063477f, 8};
        try (ModelFile f = ModelFiles.open(hf, null)) {
            var t = f.tensor("rope_freqs.weight");
            assertEquals(GgmlType.F32, t.type());
            assertArrayEquals(new long[] {8}, t.shape());
            assertArrayEquals(factors, t.data().toArray(ValueLayout.JAVA_FLOAT));
            assertNull(f.metadata().get("llama.rope.scaling.type"), "llama.cpp writes the tensor, not keys, for llama3");
        }
        Path gguf = m.writeGguf(dir.resolve("ref.gguf"), Map.of(),
                List.of(new GgufWriter.Entry("rope_freqs.weight", new long[] {8}, GgmlType.F32, GgufWriter.Data.of(littleEndian(factors)))));
        float[][] got = logits(hf);
        assertSameLogits(logits(gguf), got);
        assertFalse(Arrays.equals(logits(m.writeGguf(dir.resolve("plain.gguf")))[5], got[5]), "the factors must reach the engine");

        // convert keeps the tensor
        HuggingFaceCheckpointTest.writeTinyTokenizer(hf, 50);
        Path out = dir.resolve("converted.gguf");
        CliRun c = CliRun.of("convert", hf.toString(), "-o", out.toString(), "--type", "f16");
        assertEquals(0, c.exitCode(), c.err());
        assertSameLogits(got, logits(out));
    }
}
