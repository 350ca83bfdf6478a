package org.speclab.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.ModelFormatException;
import org.speclab.model.ModelFile;

/** The CPU forward against an independent double-precision reference, and the engine contract. */
class ForwardTest {
    @TempDir
    Path dir;

    static final int[] TOKENS = {1, 17, 5, 42, 9, 33, 2, 60};

    private ModelFile model(RandomModels.Shape s) throws Exception {
        return ModelFiles.open(RandomModels.write(dir.resolve("m-" + s.hashCode() + ".gguf"), s, 7), null);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // workers stopped too early would leave a forward waiting forever
    void modelsShareWorkersAndClosingOneLeavesTheOtherRunning() throws Exception {
        var shape = new RandomModels.Shape(256, 512, 1, 8, 4, 300, false, GgmlType.F32, 10000f);
        try (ModelFile f = model(shape); Transformer keep = new CpuBackend().load(f, 2)) {
            float[] before = keep.forward(keep.newCache(8), TOKENS, 0, 1)[0];
            Transformer other = new CpuBackend().load(f, 2);
            other.forward(other.newCache(8), TOKENS, 0, 1);
            other.close();
            other.close(); // twice: must not give the shared workers back twice
            assertArrayEquals(before, keep.forward(keep.newCache(8), TOKENS, 0, 1)[0]);
            try (Transformer third = new CpuBackend().load(f, 2)) {
                assertArrayEquals(before, third.forward(third.newCache(8), TOKENS, 0, 1)[0]);
            }
            assertArrayEquals(before, keep.forward(keep.newCache(8), TOKENS, 0, 1)[0]);
        }
    }

    @Test
    void runsAtTheVectorWidthAsked() {
        // the 256- and 128-bit test executions would silently test the preferred width otherwise
        int preferred = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        Integer asked = Integer.getInteger("speclab.vector.bits");
        assertEquals(asked == null ? preferred : Math.min(asked, preferred), CpuBackend.vectorBits());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 4, 6, 8, 12, 16, 48, 64})
    void everyHeadSizeMatchesReferenceOverManyPositions(int headSize) throws Exception {
        // attention picks its value loop by head size, and runs softmax in lanes once positions fill them; two query
        // heads a key head, and four (multi-query: read together where the head size is whole vectors)
        for (int kvHeads : new int[] {2, 1}) {
        var shape = new RandomModels.Shape(4 * headSize, 40, 1, 4, kvHeads, 50, false, GgmlType.F32, 10000f);
        try (ModelFile f = model(shape); Transformer t = new CpuBackend().load(f, 1)) {
            ReferenceLlama ref = new ReferenceLlama(f);
            KvCache cache = t.newCache(8);
            for (int pos = 0; pos < 45; pos++) {
                int token = (pos * 7 + 3) % 50;
                float[] got = t.forward(cache, new int[] {token}, pos, 1)[0];
                double[] want = ref.step(token, pos);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 2e-3 * (1 + Math.abs(want[i])), "head size " + headSize + ", " + kvHeads + " key heads, pos " + pos + " logit " + i);
                }
            }
        }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void matchesReferenceForEveryFloatType(GgmlType type) throws Exception {
        // grouped-query attention (6 heads over 2 kv heads), tied classifier, non-default rope base
        var shape = new RandomModels.Shape(48, 80, 2, 6, 2, 64, true, type, 500f);
        try (ModelFile f = model(shape); Transformer t = new CpuBackend().load(f, 2)) {
            ReferenceLlama ref = new ReferenceLlama(f);
            KvCache cache = t.newCache(4);
            for (int pos = 0; pos < TOKENS.length; pos++) {
                float[] got = t.forward(cache, new int[] {TOKENS[pos]}, pos, 1)[0];
                double[] want = ref.step(TOKENS[pos], pos);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 2e-3 * (1 + Math.abs(want[i])), "pos " + pos + " logit " + i);
                }
            }
        }
    }

    @Test
    void untiedClassifierAndMultiHeadAttention() throws Exception {
        var shape = new RandomModels.Shape(32, 64, 3, 4, 4, 64, false, GgmlType.F32, 10000f);
        try (ModelFile f = model(shape); Transformer t = new CpuBackend().load(f, 1)) {
            ReferenceLlama ref = new ReferenceLlama(f);
            float[][] got = t.forward(t.newCache(8), TOKENS, 0, TOKENS.length);
            for (int pos = 0; pos < TOKENS.length; pos++) {
                double[] want = ref.step(TOKENS[pos], pos);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[pos][i], 1e-3 * (1 + Math.abs(want[i])));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"})
    void batchInvariantAtEveryThreadCount(GgmlType type) throws Exception {
        // 256-wide rows so every block type fits; enough rows that several threads share the work;
        // the native integer kernels (where they load) and the Java kernels alike
        var shape = new RandomModels.Shape(256, 512, 2, 8, 4, 300, false, type, 10000f);
        for (CpuBackend backend : new CpuBackend[] {new CpuBackend(), CpuBackend.javaKernels()}) try (ModelFile f = model(shape)) {
            float[][] reference = null;
            for (int threads : new int[] {1, 2, 3}) {
                try (Transformer t = backend.load(f, threads)) {
                    // one at a time
                    KvCache c1 = t.newCache(1);
                    float[][] single = new float[TOKENS.length][];
                    for (int pos = 0; pos < TOKENS.length; pos++) single[pos] = t.forward(c1, new int[] {TOKENS[pos]}, pos, 1)[0];
                    // prefill 3, then a verify-style batch of 5
                    KvCache c2 = t.newCache(TOKENS.length);
                    float[][] a = t.forward(c2, java.util.Arrays.copyOfRange(TOKENS, 0, 3), 0, 3);
                    float[][] b = t.forward(c2, java.util.Arrays.copyOfRange(TOKENS, 3, 8), 3, 5);
                    for (int pos = 0; pos < TOKENS.length; pos++) {
                        float[] batched = pos < 3 ? a[pos] : b[pos - 3];
                        assertArrayEquals(single[pos], batched, "threads " + threads + " pos " + pos + " must be bit-identical");
                    }
                    if (reference == null) reference = single;
                    for (int pos = 0; pos < TOKENS.length; pos++) assertArrayEquals(reference[pos], single[pos], "threads " + threads);
                }
            }
        }
    }

    /**
     * Long enough that attention is split across threads in the batches but not for single positions,
     * with batch lengths that take every matrix path: 33 (eight groups of four and a lone position, or
     * six of five and three; F16 dequantizes each row once instead; on AMX two tiles of 16 and a lone
     * position; the per-position steps and the quantization shared among the threads), 7 (groups with
     * repeated lanes), 6 (a group of five and a lone position, or of four and two) and 1.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "Q8_0", "Q4_0", "Q4_1", "Q4_K"})
    void longBatchesMatchSinglePositions(GgmlType type) throws Exception {
        // two query heads a key head, and eight on one (multi-query: runs of four heads handed to the threads)
        for (int kvHeads : new int[] {4, 1}) {
            try (ModelFile f = model(new RandomModels.Shape(256, 512, 2, 8, kvHeads, 300, false, type, 10000f)); Transformer t = new CpuBackend().load(f, 3)) {
                batchesMatchSinglePositions(t, type + ", " + kvHeads + " key heads");
            }
        }
    }

    static final int[] LONG = new int[46];
    static {
        for (int i = 0; i < LONG.length; i++) LONG[i] = (i * 37 + 11) % 300;
    }

    /** {@link #LONG} one position at a time, and in batches of 33, 7 and 6: the same bits. Returns the single positions' logits. */
    private static float[][] batchesMatchSinglePositions(Transformer t, String what) {
        KvCache c1 = t.newCache(4);
        float[][] single = new float[LONG.length][];
        for (int pos = 0; pos < LONG.length; pos++) single[pos] = t.forward(c1, new int[] {LONG[pos]}, pos, 1)[0];
        KvCache c2 = t.newCache(4);
        float[][] a = t.forward(c2, java.util.Arrays.copyOfRange(LONG, 0, 33), 0, 33);
        float[][] b = t.forward(c2, java.util.Arrays.copyOfRange(LONG, 33, 40), 33, 7);
        float[][] c = t.forward(c2, java.util.Arrays.copyOfRange(LONG, 40, 46), 40, 6);
        for (int pos = 0; pos < LONG.length; pos++) {
            assertArrayEquals(single[pos], pos < 33 ? a[pos] : pos < 40 ? b[pos - 33] : c[pos - 40], what + ", pos " + pos + " must be bit-identical");
        }
        return single;
    }

    /**
     * A float16 cache: a position's logits the same bits alone or in batches (of 33 positions: three runs of queries
     * widening the keys together; 7; 6), at one thread and at three, for every key-head layout; and not a float32 cache's
     * (the keys and values are rounded as they are stored; how close they stay is measured on a trained model below).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q4_0"})
    void float16CacheIsBatchInvariantAndCloseToFloat32(GgmlType type) throws Exception {
        for (int kvHeads : new int[] {4, 1}) {
            var shape = new RandomModels.Shape(256, 512, 2, 8, kvHeads, 300, false, type, 10000f);
            float[][] reference = null;
            for (int threads : new int[] {1, 3}) {
                try (ModelFile f = model(shape); Transformer t = new CpuBackend().load(f, threads, CacheType.F16);
                     Transformer exact = new CpuBackend().load(f, threads)) {
                    assertEquals(CacheType.F16, t.cacheType());
                    assertEquals(CacheType.F16, t.newCache(4).type());
                    float[][] single = batchesMatchSinglePositions(t, type + ", " + kvHeads + " key heads, " + threads + " threads");
                    if (reference == null) reference = single;
                    for (int pos = 0; pos < LONG.length; pos++) assertArrayEquals(reference[pos], single[pos], "threads " + threads + ", pos " + pos);
                    float[][] full = exact.forward(exact.newCache(LONG.length), LONG, 0, LONG.length);
                    boolean differs = false;
                    for (int pos = 0; pos < LONG.length; pos++) differs |= !java.util.Arrays.equals(full[pos], single[pos]);
                    assertTrue(differs, "a float16 cache must round what it stores");
                }
            }
        }
    }

    /**
     * The trained stories260K over 256 positions of its own greedy text: with a float16 cache every position's most likely
     * token is the float32 cache's, and each logit within 0.5% of the largest logit's size (measured: 0.11%).
     */
    @Test
    void float16CacheStaysCloseToFloat32OnATrainedModel() throws Exception {
        try (ModelFile f = ModelFiles.open(org.speclab.SharedFiles.require("models/stories260K/stories260K.gguf"), null);
             Transformer half = new CpuBackend().load(f, 2, CacheType.F16); Transformer full = new CpuBackend().load(f, 2)) {
            int n = 256;
            int[] tokens = new int[n];
            tokens[0] = 1;
            KvCache c = full.newCache(n);
            for (int pos = 1; pos < n; pos++) tokens[pos] = full.forwardArgmax(c, new int[] {tokens[pos - 1]}, pos - 1, 1)[0];
            float[][] a = full.forward(full.newCache(n), tokens, 0, n), b = half.forward(half.newCache(n), tokens, 0, n);
            double worst = 0, largest = 0;
            for (int pos = 0; pos < n; pos++) {
                assertEquals(Transformer.argmax(a[pos]), Transformer.argmax(b[pos]), "position " + pos);
                for (int i = 0; i < a[pos].length; i++) {
                    worst = Math.max(worst, Math.abs(a[pos][i] - b[pos][i]));
                    largest = Math.max(largest, Math.abs(a[pos][i]));
                }
            }
            assertTrue(worst > 0 && worst <= 5e-3 * largest, "float16 cache logits " + worst + " from float32's (largest " + largest + ")");
        }
    }

    /** A device without a float16 cache refuses one in one line before it loads anything. */
    @Test
    void aDeviceWithoutFloat16CachesSaysSo() {
        var e = assertThrows(EngineException.class, () -> new org.speclab.engine.cuda.CudaBackend(0, null).load(null, 1, CacheType.F16));
        assertEquals("cuda:0 keeps its KV cache in float32 only (asked for f16)", e.getMessage());
    }

    @Test
    void truncateRollsBackRejectedPositions() throws Exception {
        var shape = new RandomModels.Shape(32, 64, 2, 4, 2, 70, true, GgmlType.F32, 10000f);
        try (ModelFile f = model(shape); Transformer t = new CpuBackend().load(f, 1)) {
            KvCache c = t.newCache(16);
            t.forward(c, new int[] {1, 5, 9}, 0, 1);
            float[] expected = t.forward(c, new int[] {11}, 3, 1)[0];
            // a "draft" of 4 wrong tokens, then roll back to position 3 and continue
            t.forward(c, new int[] {20, 21, 22, 23}, 3, 4);
            assertEquals(7, c.length());
            c.truncate(3);
            assertEquals(3, c.length());
            assertArrayEquals(expected, t.forward(c, new int[] {11}, 3, 1)[0]);
            assertEquals(4, c.length());
            assertThrows(IllegalArgumentException.class, () -> c.truncate(9));
        }
    }

    @Test
    void cacheGrowsPastItsInitialCapacity() throws Exception {
        var shape = new RandomModels.Shape(32, 64, 1, 4, 2, 70, true, GgmlType.F32, 10000f);
        try (ModelFile f = model(shape); Transformer t = new CpuBackend().load(f, 1)) {
            KvCache small = t.newCache(2), big = t.newCache(16);
            float[][] a = t.forward(small, TOKENS, 0, TOKENS.length);
            float[][] b = t.forward(big, TOKENS, 0, TOKENS.length);
            for (int i = 0; i < a.length; i++) assertArrayEquals(b[i], a[i]);
            assertTrue(small.capacity() >= TOKENS.length);
        }
    }

    @Test
    void unknownArchitectureIsRefused() throws Exception {
        var md = new java.util.LinkedHashMap<String, org.speclab.gguf.GgufValue>();
        md.put("general.architecture", org.speclab.gguf.GgufValue.of("mamba"));
        Path p = dir.resolve("mamba.gguf");
        org.speclab.gguf.GgufWriter.write(p, md, java.util.List.of());
        try (ModelFile f = ModelFiles.open(p, null)) {
            var e = assertThrows(ModelFormatException.class, () -> new CpuBackend().load(f, 1));
            assertTrue(e.getMessage().contains("unsupported architecture 'mamba'"), e.getMessage());
            assertTrue(e.getMessage().contains("general.architecture"), e.getMessage());
        }
    }

    /** Every type's vector kernel against its scalar reference, and the batched (dequantized-row) path against the fused one. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void kernelsAgreeWithTheirScalarReference(GgmlType type) throws Exception {
        var shape = new RandomModels.Shape(256, 512, 1, 4, 2, 64, false, type, 10000f);
        try (ModelFile f = model(shape)) {
            var w = org.speclab.engine.cpu.KernelProbe.matrix(f.tensor("blk.0.ffn_down.weight"));
            java.util.Random r = new java.util.Random(5);
            float[] x = new float[w.cols()];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] row = new float[w.cols()];
            for (int rIdx = 0; rIdx < w.rows(); rIdx += 17) {
                float fused = w.dot(rIdx, x), ref = w.dotScalar(rIdx, x);
                assertEquals(ref, fused, 1e-4f * (1 + Math.abs(ref)), type + " row " + rIdx);
                w.row(rIdx, row);
                assertEquals(fused, org.speclab.engine.cpu.KernelProbe.dense(row, x), 0f, type + " row " + rIdx + ": batched path must be bit-identical");
                // the row in floats: each weight as the codec (ggml's dequantization) gives it
                for (int j = 0; j < row.length; j++) assertEquals(w.get((long) rIdx * w.cols() + j), row[j], 0f, type + " row " + rIdx + ", weight " + j);
            }
        }
    }

    /** The types SpecLab reads but does not write, from llama.cpp's files: each row in floats is the codec's, weight for weight. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"IQ4_NL", "IQ4_XS"})
    void readOnlyTypesRowsAreTheCodecs(String type) throws Exception {
        try (ModelFile f = ModelFiles.open(org.speclab.SharedFiles.require("reference/arch/llama-" + type + ".gguf"), null)) {
            int checked = 0;
            for (var t : f.tensors().values()) {
                if (t.type() != GgmlType.valueOf(type)) continue;
                var w = org.speclab.engine.cpu.KernelProbe.matrix(t);
                float[] row = new float[w.cols()];
                for (int r = 0; r < w.rows(); r += 37) {
                    w.row(r, row);
                    for (int j = 0; j < row.length; j++) assertEquals(w.get((long) r * w.cols() + j), row[j], 0f, t.name() + " row " + r + ", weight " + j);
                }
                checked++;
            }
            assertTrue(checked > 0, "no " + type + " tensor in the file");
        }
    }

    /** The CPU's argmax and top-k passes (logits in a buffer kept between calls) give what forward's logits give. */
    @Test
    void argmaxAndTopKPassesMatchTheLogits() throws Exception {
        var shape = new RandomModels.Shape(64, 128, 2, 4, 2, 90, false, GgmlType.Q8_0, 10000f);
        try (ModelFile f = model(shape); Transformer t = new org.speclab.engine.cpu.CpuBackend().load(f, 2)) {
            int[] tokens = {1, 8, 3, 4, 5, 6, 7};
            for (int outputs : new int[] {3, 1, 7, 2}) {
                float[][] logits = t.forward(t.newCache(8), tokens, 0, outputs);
                int[] ids = t.forwardArgmax(t.newCache(8), tokens, 0, outputs);
                Candidates[] top = t.forwardTopK(t.newCache(8), tokens, 0, outputs, 0.7f, 5);
                assertEquals(outputs, ids.length);
                for (int o = 0; o < outputs; o++) {
                    assertEquals(ArgmaxTest.reference(logits[o]), ids[o], "outputs " + outputs + ", row " + o);
                    Candidates want = Candidates.of(logits[o], 0.7f, 5);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(want.ids(), top[o].ids(), "outputs " + outputs + ", row " + o);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(want.scaled(), top[o].scaled(), "outputs " + outputs + ", row " + o);
                }
            }
        }
    }
}
