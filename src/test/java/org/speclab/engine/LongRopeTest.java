package org.speclab.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;
import org.speclab.gguf.ModelFormatException;
import org.speclab.model.ModelFile;

/**
 * Phi-3's LongRoPE (the 128k variants): each rotated pair's angle divided by rope_factors_short, or
 * by rope_factors_long when the cache is made for more than the original context (llama.cpp's n_ctx
 * rule), and cos and sin multiplied by rope.scaling.attn_factor. Held to the naive double-precision
 * reference with those factors written in.
 */
public class LongRopeTest {
    @TempDir
    Path dir;

    static final int ORIGINAL = 16;
    static final float ATTN = 1.1902380714f; // √(1 + ln 32 / ln 4096): Phi-3-mini-128k's

    static GgufWriter.Entry factors(String name, float[] f) {
        byte[] b = new byte[4 * f.length];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(f);
        return new GgufWriter.Entry(name, new long[] {f.length}, GgmlType.F32, GgufWriter.Data.of(b));
    }

    static float[] random(Random r, int n, float lo, float hi) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = lo + (hi - lo) * r.nextFloat();
        return f;
    }

    /** A random Llama with head size 8 (4 rotated pairs) and LongRoPE factors. */
    static Path model(Path dir, float[] shortF, float[] longF) throws Exception {
        var shape = new RandomModels.Shape(32, 48, 2, 4, 2, 40, false, GgmlType.F32, 10000f);
        return RandomModels.write(dir.resolve("longrope.gguf"), shape, 11,
                Map.of("llama.rope.scaling.original_context_length", GgufValue.ofUInt32(ORIGINAL), "llama.rope.scaling.attn_factor", GgufValue.ofFloat(ATTN)),
                List.of(factors("rope_factors_long.weight", longF), factors("rope_factors_short.weight", shortF)));
    }

    public static void check(Function<ModelFile, Transformer> load, Path dir) throws Exception {
        Random r = new Random(5);
        float[] shortF = random(r, 4, 1f, 1.5f), longF = random(r, 4, 1.5f, 12f);
        try (ModelFile f = ModelFiles.open(model(dir, shortF, longF), null); Transformer t = load.apply(f)) {
            for (int context : new int[] {ORIGINAL, 4 * ORIGINAL}) {
                float[] used = context > ORIGINAL ? longF : shortF;
                double[] div = new double[used.length];
                for (int i = 0; i < div.length; i++) div[i] = used[i];
                ReferenceLlama ref = new ReferenceLlama(f, div, ATTN);
                KvCache cache = t.newCache(context);
                for (int pos = 0; pos < 24; pos++) {
                    int token = (pos * 7 + 3) % 40;
                    float[] got = t.forward(cache, new int[] {token}, pos, 1)[0];
                    double[] want = ref.step(token, pos);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 2e-3 * (1 + Math.abs(want[i])), "context " + context + ", pos " + pos + " logit " + i);
                    }
                }
            }
            // the other factors (or none) give other logits: the check above can fail
            double[] none = {1, 1, 1, 1};
            ReferenceLlama plain = new ReferenceLlama(f, none, 1.0);
            KvCache cache = t.newCache(ORIGINAL);
            float[] got = null;
            double[] want = null;
            for (int pos = 0; pos < 12; pos++) {
                got = t.forward(cache, new int[] {pos + 1}, pos, 1)[0];
                want = plain.step(pos + 1, pos);
            }
            double diff = 0;
            for (int i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(want[i] - got[i]));
            assertTrue(diff > 1e-2, "LongRoPE made no difference: " + diff);
        }
    }

    @Test
    void cpuEngineMatchesTheReferenceWithShortAndLongFactors() throws Exception {
        check(f -> new CpuBackend().load(f, 2), dir);
    }

    @Test
    void factorsOfTheWrongLengthOrSignAreRefused() throws Exception {
        for (float[] bad : new float[][] {{1, 1, 1}, {1, -2, 1, 1}}) {
            try (ModelFile f = ModelFiles.open(model(dir, new float[] {1, 1, 1, 1}, bad), null)) {
                var e = assertThrows(ModelFormatException.class, () -> new CpuBackend().load(f, 1).close());
                assertTrue(e.getMessage().contains("rope_factors_long.weight"), e.getMessage());
                assertFalse(e.getMessage().contains("\n"));
            }
        }
    }
}
