package org.speclab.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.speclab.SharedFiles;
import org.speclab.engine.EngineException;
import org.speclab.engine.KvCache;
import org.speclab.engine.RandomModels;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizer;
import org.speclab.tokenizer.Tokenizers;

/**
 * The CUDA engine, kernels and host side together, on the CPU emulation of the kernels: what can
 * be checked of the GPU path on a machine without a GPU. The same checks run on a device in
 * CudaParityTest; what only a device can show (the driver's JIT of the PTX, real memory, timing,
 * the device's own float rounding) is left to that test.
 */
class CudaEmulatorTest {
    @org.junit.jupiter.api.Test
    void longRopeFactorsAsTheCpuEngine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        org.speclab.engine.LongRopeTest.check(CudaEmulatorTest::emulated, dir);
    }

    @TempDir
    Path dir;

    /** Host float arithmetic in another order than the CPU engine's: rounding only. */
    static final double BOUND = 1e-4;

    private static Transformer emulated(ModelFile f) {
        return new CudaTransformer(new EmulatedGpu(), f, DeviceWeights.Progress.NONE);
    }

    @ParameterizedTest
    @MethodSource("org.speclab.engine.cuda.CudaChecks#writtenCudaTypes")
    void everyWeightTypeMatchesTheCpuEngine(GgmlType type) throws Exception {
        CudaChecks.matchesCpu(dir, type, CudaEmulatorTest::emulated, BOUND);
    }

    /**
     * Every family of the reference pack (Qwen2's biases, Phi-3's fused matrices, Gemma 2's post-norms,
     * GeGLU, soft-caps and sliding window; NEOX RoPE) on the emulated GPU: the CPU engine's logits, one
     * position at a time and in one batch, and each position the same bits alone or batched.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-F16", "qwen2-F32", "qwen2-Q4_K_M", "phi3-F16", "gemma2-F32", "llama-Q5_K_M", "llama-Q3_K_M", "qwen2-IQ4_XS"})
    void everyFamilyMatchesTheCpuEngine(String stem) throws Exception {
        CudaChecks.familyMatchesCpu(stem, CudaEmulatorTest::emulated, BOUND);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q8_0", "Q4_K", "Q6_K"})
    void batchInvariant(GgmlType type) throws Exception {
        CudaChecks.batchInvariant(dir, type, CudaEmulatorTest::emulated);
    }

    @Test
    void longPromptsGoThroughInChunksWithTheSameLogits() throws Exception {
        Path file = RandomModels.write(dir.resolve("chunks.gguf"), CudaChecks.shape(GgmlType.Q8_0), 5);
        int[] tokens = CudaChecks.TOKENS;
        int saved = CudaTransformer.chunk;
        try (ModelFile f = ModelFiles.open(file, null); Transformer t = emulated(f)) {
            float[][] whole = t.forward(t.newCache(tokens.length), tokens, 0, 3);
            // chunks of 7 stand for the 4096 of real prompts: 22 positions = 7 + 7 + 1, then the last 7 with the outputs
            CudaTransformer.chunk = 7;
            KvCache cache = t.newCache(tokens.length);
            float[][] chunked = t.forward(cache, tokens, 0, 3);
            for (int o = 0; o < 3; o++) org.junit.jupiter.api.Assertions.assertArrayEquals(whole[o], chunked[o], "output " + o);
            assertEquals(tokens.length, cache.length());
        } finally {
            CudaTransformer.chunk = saved;
        }
    }

    @ParameterizedTest
    @MethodSource("org.speclab.engine.cuda.CudaChecks#cudaTypes")
    void weightKernelsAgainstTheCodecs(GgmlType type) {
        try (Gpu gpu = new EmulatedGpu()) {
            KernelChecks.weights(gpu, type, BOUND);
        }
    }

    @Test
    void topKKernelSelectsWhatTheHostSelects() {
        try (Gpu gpu = new EmulatedGpu()) {
            KernelChecks.topK(gpu);
        }
    }

    @Test
    void topKCandidatesFromTheDeviceSampleLikeTheLogits() throws Exception {
        CudaChecks.topKCandidatesAreTheHostsSelection(dir, CudaEmulatorTest::emulated);
    }

    @Test
    void layerKernelsAgainstJava() {
        try (Gpu gpu = new EmulatedGpu()) {
            KernelChecks.layer(gpu, BOUND);
        }
    }

    @Test
    void earlyExitSharesWeightsAndMatchesTheCpu() throws Exception {
        CudaChecks.earlyExitMatchesCpu(dir, CudaEmulatorTest::emulated, BOUND);
    }

    @Test
    void oddRowLengthsTakeTheOneByOneKernels() throws Exception {
        // rows of 66 and 170 values are not multiples of 4 (stories260K-F16 has 172-wide rows, which are)
        var shape = new RandomModels.Shape(66, 170, 1, 3, 3, 50, true, GgmlType.F16, 10000f);
        Path file = RandomModels.write(dir.resolve("odd.gguf"), shape, 1);
        try (ModelFile f = ModelFiles.open(file, null); Transformer cpu = CpuBackend.javaKernels().load(f, 1); Transformer gpu = emulated(f)) {
            float[][] want = cpu.forward(cpu.newCache(4), new int[] {1, 2, 3, 4}, 0, 4);
            float[][] got = gpu.forward(gpu.newCache(4), new int[] {1, 2, 3, 4}, 0, 4);
            for (int p = 0; p < 4; p++) assertTrue(CudaChecks.relativeError(want[p], got[p]) <= BOUND, "position " + p);
        }
    }

    /**
     * Long prompts take cuBLAS (here a plain loop) where it loads, in row stretches, with the logits
     * of the matrix kernels to rounding; below the threshold, and without cuBLAS, the kernels.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q4_K"})
    void longPromptsTakeCublasWithTheKernelsLogits(GgmlType type) throws Exception {
        Path file = RandomModels.write(dir.resolve("gemm.gguf"), CudaChecks.shape(type), 6);
        int[] tokens = CudaChecks.TOKENS;
        int saved = CudaTransformer.gemmFrom;
        long savedScratch = CudaTransformer.gemmScratchBytes;
        EmulatedGpu withBlas = new EmulatedGpu(), without = new EmulatedGpu();
        without.blas = false;
        try (ModelFile f = ModelFiles.open(file, null); Transformer a = new CudaTransformer(withBlas, f, DeviceWeights.Progress.NONE);
             Transformer b = new CudaTransformer(without, f, DeviceWeights.Progress.NONE)) {
            CudaTransformer.gemmFrom = 20; // 22 tokens stand for a long prompt
            CudaTransformer.gemmScratchBytes = 4L * 768 * 37; // stretches of 37 rows of 768 (or 111 of 256): the last one short
            float[][] viaBlas = a.forward(a.newCache(tokens.length), tokens, 0, 3);
            assertTrue(withBlas.gemmCalls > 7 * CudaChecks.shape(type).layers(), "cuBLAS products: " + withBlas.gemmCalls);
            float[][] viaKernels = b.forward(b.newCache(tokens.length), tokens, 0, 3);
            assertEquals("Prompts of 20+ positions: cuBLAS", ((CudaTransformer) a).longPromptPath());
            assertEquals("Prompts of 20+ positions: SpecLab's kernels (no cuBLAS)", ((CudaTransformer) b).longPromptPath());
            for (int o = 0; o < 3; o++) assertTrue(CudaChecks.relativeError(viaKernels[o], viaBlas[o]) <= BOUND, "output " + o);
            int calls = withBlas.gemmCalls;
            a.forward(a.newCache(8), java.util.Arrays.copyOf(tokens, 8), 0, 1);
            assertEquals(calls, withBlas.gemmCalls, "8 positions must take the kernels");
        } finally {
            CudaTransformer.gemmFrom = saved;
            CudaTransformer.gemmScratchBytes = savedScratch;
        }
    }

    /**
     * Decode steps replay one recorded graph: the same logits as launching step by step, recorded
     * anew when the cache grows (its buffer moves) or another cache comes; never for batches.
     */
    @Test
    void decodeStepsReplayARecordedGraphWithTheSameLogits() throws Exception {
        Path file = RandomModels.write(dir.resolve("graph.gguf"), CudaChecks.shape(GgmlType.Q8_0), 8);
        EmulatedGpu replaying = new EmulatedGpu(), launching = new EmulatedGpu();
        launching.graphs = false;
        try (ModelFile f = ModelFiles.open(file, null); CudaTransformer a = new CudaTransformer(replaying, f, DeviceWeights.Progress.NONE);
             CudaTransformer b = new CudaTransformer(launching, f, DeviceWeights.Progress.NONE)) {
            int[] tokens = CudaChecks.TOKENS;
            KvCache ca = a.newCache(4), cb = b.newCache(4); // grows twice on the way to 22 positions
            for (int p = 0; p < tokens.length; p++) {
                float[] got = a.forward(ca, new int[] {tokens[p]}, p, 1)[0], want = b.forward(cb, new int[] {tokens[p]}, p, 1)[0];
                org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, "position " + p);
            }
            assertEquals(tokens.length, replaying.replays);
            assertEquals(tokens.length, a.graphReplays());
            assertEquals(0, launching.replays);
            assertEquals("Decode steps: a recorded CUDA graph, replayed " + tokens.length + " times so far", a.decodePath());
            // a device that records no graphs: the model launches kernel by kernel, and says so
            assertTrue(b.decodePath().startsWith("Decode steps: launched kernel by kernel (CUDA graphs off"), b.decodePath());
            // a second cache, and a batch between steps, then back: still the same logits
            KvCache other = a.newCache(30);
            float[][] batch = a.forward(other, java.util.Arrays.copyOf(tokens, 5), 0, 2);
            float[][] batchWant = b.forward(b.newCache(30), java.util.Arrays.copyOf(tokens, 5), 0, 2);
            for (int o = 0; o < 2; o++) org.junit.jupiter.api.Assertions.assertArrayEquals(batchWant[o], batch[o], "batch output " + o);
            assertEquals(tokens.length, replaying.replays, "batches are launched, not replayed");
            org.junit.jupiter.api.Assertions.assertArrayEquals(b.forward(cb, new int[] {7}, 3, 1)[0], a.forward(ca, new int[] {7}, 3, 1)[0], "after a rollback");
        }
    }

    @Test
    void argmaxOnTheDeviceIsTheHostsArgmax() throws Exception {
        Path file = RandomModels.write(dir.resolve("argmax.gguf"), CudaChecks.shape(GgmlType.Q8_0), 2);
        try (ModelFile f = ModelFiles.open(file, null); CudaTransformer gpu = (CudaTransformer) emulated(f)) {
            float[][] logits = gpu.forward(gpu.newCache(8), CudaChecks.TOKENS, 0, 5);
            int[] ids = gpu.forwardArgmax(gpu.newCache(8), CudaChecks.TOKENS, 0, 5);
            for (int o = 0; o < 5; o++) assertEquals(org.speclab.engine.Transformer.argmax(logits[o]), ids[o], "output " + o);
        }
    }

    @Test
    void aModelLargerThanTheFreeMemoryIsRefusedBeforeAllocating() throws Exception {
        Path file = RandomModels.write(dir.resolve("big.gguf"), CudaChecks.shape(GgmlType.F32), 1);
        EmulatedGpu gpu = new EmulatedGpu(DeviceWeights.HEADROOM + 1000);
        try (ModelFile f = ModelFiles.open(file, null)) {
            EngineException e = assertThrows(EngineException.class, () -> new CudaTransformer(gpu, f, DeviceWeights.Progress.NONE));
            assertTrue(e.getMessage().matches("big\\.gguf does not fit on emulated:0: its weights need 0\\.\\d\\d GiB \\(\\+ 0\\.50 GiB working space\\), "
                    + "the device has 0\\.50 GiB free of 0\\.50 GiB"), e.getMessage());
            assertEquals(0, gpu.liveAllocations());
        }
    }

    @Test
    void uploadReportsProgressAndCloseFreesEverything() throws Exception {
        Path file = RandomModels.write(dir.resolve("p.gguf"), CudaChecks.shape(GgmlType.Q4_0), 1);
        EmulatedGpu gpu = new EmulatedGpu();
        long[] last = {-1, -1};
        int[] calls = {0};
        try (ModelFile f = ModelFiles.open(file, null)) {
            Transformer t = new CudaTransformer(gpu, f, (done, total) -> {
                assertTrue(done >= last[0], "progress goes forward");
                last[0] = done;
                last[1] = total;
                calls[0]++;
            });
            assertEquals(f.weightBytes(), last[0]);
            assertEquals(f.weightBytes(), last[1]);
            assertTrue(calls[0] > f.tensors().size());
            KvCache c = t.newCache(1);
            t.forward(c, new int[] {1, 2, 3}, 0, 1);
            assertEquals(3, c.length());
            t.close();
            assertEquals(0, gpu.liveAllocations(), "weights, caches and working buffers are freed");
            assertThrows(EngineException.class, () -> t.forward(c, new int[] {1}, 3, 1));
        }
    }

    @Test
    void badRequestsAreClearErrors() throws Exception {
        Path file = RandomModels.write(dir.resolve("b.gguf"), CudaChecks.shape(GgmlType.F16), 1);
        try (ModelFile f = ModelFiles.open(file, null); Transformer t = emulated(f); Transformer cpu = CpuBackend.javaKernels().load(f, 1)) {
            KvCache c = t.newCache(4);
            assertEquals("token id 300 is outside the vocabulary (0..299)",
                    assertThrows(EngineException.class, () -> t.forward(c, new int[] {300}, 0, 1)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.forward(c, new int[] {1}, 1, 1), "cannot start past the cache");
            assertThrows(IllegalArgumentException.class, () -> t.forward(cpu.newCache(4), new int[] {1}, 0, 1));
        }
    }

    /** The shared stories260K, greedy, on the emulated engine: the CPU engine's tokens (which GreedyReferenceTest ties to run.c's text). */
    @Test
    void stories260KGreedyAndSpeculativeGreedyMatchTheCpu() {
        int positions = 120; // as SpeculativeExactnessTest
        try (ModelFile f = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null);
             Transformer cpu = CpuBackend.javaKernels().load(f, 1); Transformer gpu = emulated(f)) {
            Tokenizer tok = Tokenizers.fromMetadata(f.path(), f.metadata());
            int[] prompt = tok.encode("Once upon a time", true);
            List<Integer> want = CudaChecks.greedy(cpu, tok, prompt, positions, null, 0);
            assertEquals(want, CudaChecks.greedy(gpu, tok, prompt, positions, null, 0));
            assertEquals(want, CudaChecks.greedy(gpu, tok, prompt, positions, gpu, 4), "speculative greedy (early exit, k=4)");
        }
    }
}
