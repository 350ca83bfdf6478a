package org.speclab.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.speclab.SharedFiles;
import org.speclab.cli.CliRun;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.NGramLookup;
import org.speclab.decode.Sampler;
import org.speclab.decode.SpeculativeDecoder;
import org.speclab.decode.TokenKind;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizer;
import org.speclab.tokenizer.Tokenizers;

/**
 * The CUDA engine on a real device against the CPU engine: every weight type, batch invariance,
 * early exit, argmax, greedy stories260K (run.c's text through the CLI) and speculative greedy.
 * Runs in every {@code mvn verify} and skips with the probe's one-line reason where there is no
 * device; {@code gpu/run-suite.sh} runs this tag alone.
 */
@Tag("gpu")
class CudaParityTest {
    @TempDir
    Path dir;

    /**
     * The device sums in another order than the CPU and fuses multiply-adds in the dot products
     * (dequantized weights are the same floats on both); relative to the largest logit.
     */
    static final double BOUND = 5e-4;

    @BeforeEach
    void device() { // per test, so that each is reported skipped with the reason
        CudaProbe.Result probe = CudaProbe.probe();
        // gpu/run-suite.sh has seen a device: there a skip would hide a broken driver load, so it fails
        if ("1".equals(System.getenv("SPECLAB_REQUIRE_GPU"))) org.junit.jupiter.api.Assertions.assertTrue(probe.available(), probe.reason());
        Assumptions.assumeTrue(probe.available(), probe.reason());
    }

    private static Transformer cuda(ModelFile f) {
        return new CudaBackend(0).load(f, 1);
    }

    /** The reference pack's families on the device (files that gpu/prepare-carry.sh carries). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"llama-F16", "qwen2-F16", "qwen2-Q4_K_M", "phi3-F16", "gemma2-F16", "qwen2-IQ4_XS"})
    void everyFamilyMatchesTheCpuEngine(String stem) throws Exception {
        CudaChecks.familyMatchesCpu(stem, CudaParityTest::cuda, BOUND);
    }

    @ParameterizedTest
    @MethodSource("org.speclab.engine.cuda.CudaChecks#writtenCudaTypes")
    void everyWeightTypeMatchesTheCpuEngine(GgmlType type) throws Exception {
        CudaChecks.matchesCpu(dir, type, CudaParityTest::cuda, BOUND);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"})
    void batchInvariantOnTheDevice(GgmlType type) throws Exception {
        CudaChecks.batchInvariant(dir, type, CudaParityTest::cuda);
    }

    @Test
    void earlyExitMatchesTheCpu() throws Exception {
        CudaChecks.earlyExitMatchesCpu(dir, CudaParityTest::cuda, BOUND);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"})
    void weightKernelsAgainstTheCodecs(GgmlType type) {
        try (Gpu gpu = JCudaGpu.open(0)) {
            KernelChecks.weights(gpu, type, BOUND);
        }
    }

    @Test
    void topKKernelSelectsWhatTheHostSelects() {
        try (Gpu gpu = JCudaGpu.open(0)) {
            KernelChecks.topK(gpu);
        }
    }

    @Test
    void topKCandidatesFromTheDeviceSampleLikeTheLogits() throws Exception {
        CudaChecks.topKCandidatesAreTheHostsSelection(dir, CudaParityTest::cuda);
    }

    /** Decode steps replay a recorded CUDA graph, bit for bit the logits of launching them one by one. */
    @Test
    void decodeStepsReplayAGraphWithTheLaunchesLogits() throws Exception {
        Path file = org.speclab.engine.RandomModels.write(dir.resolve("graph.gguf"), CudaChecks.shape(GgmlType.Q8_0), 8);
        try (ModelFile f = ModelFiles.open(file, null); CudaTransformer replaying = (CudaTransformer) cuda(f)) {
            CudaTransformer launching;
            System.setProperty("speclab.cuda.graphs", "false");
            try {
                launching = (CudaTransformer) cuda(f);
            } finally {
                System.clearProperty("speclab.cuda.graphs");
            }
            try (launching) {
                int[] tokens = CudaChecks.TOKENS;
                var ca = replaying.newCache(4);
                var cb = launching.newCache(4);
                for (int p = 0; p < tokens.length; p++) {
                    float[] got = replaying.forward(ca, new int[] {tokens[p]}, p, 1)[0], want = launching.forward(cb, new int[] {tokens[p]}, p, 1)[0];
                    org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, "position " + p);
                }
                assertEquals(tokens.length, replaying.graphReplays(), "decode steps that replayed a graph");
                assertEquals(0, launching.graphReplays());
            }
        }
    }

    /** Where libcublas loads, a 200-token prompt through cuBLAS gives the matrix kernels' logits to rounding. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q8_0", "Q4_K"})
    void longPromptsThroughCublasMatchTheKernels(GgmlType type) throws Exception {
        Path file = org.speclab.engine.RandomModels.write(dir.resolve("gemm.gguf"), CudaChecks.shape(type), 6);
        int saved = CudaTransformer.gemmFrom;
        try (ModelFile f = ModelFiles.open(file, null); CudaTransformer t = (CudaTransformer) cuda(f)) {
            Assumptions.assumeTrue(t.longPromptPath().endsWith("cuBLAS"), t.longPromptPath());
            int[] tokens = new java.util.Random(3).ints(200, 0, t.config().vocabSize()).toArray();
            float[][] viaBlas = t.forward(t.newCache(tokens.length), tokens, 0, 4);
            CudaTransformer.gemmFrom = Integer.MAX_VALUE;
            float[][] viaKernels = t.forward(t.newCache(tokens.length), tokens, 0, 4);
            for (int o = 0; o < 4; o++) assertTrue(CudaChecks.relativeError(viaKernels[o], viaBlas[o]) <= BOUND, "output " + o);
        } finally {
            CudaTransformer.gemmFrom = saved;
        }
    }

    @Test
    void layerKernelsAgainstJava() {
        try (Gpu gpu = JCudaGpu.open(0)) {
            KernelChecks.layer(gpu, BOUND);
        }
    }

    @Test
    void stories260KGreedyPrintsTheReferenceText() throws Exception {
        CliRun r = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(),
                "-t", "0", "-n", "256", "--device", "cuda");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(SharedFiles.read("reference/stories260K-greedy.txt"), r.out());
        assertTrue(r.err().contains("Device memory used: "), r.err());
    }

    @Test
    void speculativeGreedyIsTheTargetsOwnGreedyOutput() {
        try (ModelFile f = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null); Transformer gpu = cuda(f)) {
            Tokenizer tok = Tokenizers.fromMetadata(f.path(), f.metadata());
            int[] prompt = tok.encode("Once upon a time", true);
            List<Integer> want = CudaChecks.greedy(gpu, tok, prompt, 200, null, 0);
            for (int k : new int[] {1, 4, 8}) {
                assertEquals(want, CudaChecks.greedy(gpu, tok, prompt, 200, gpu, k), "early exit, k=" + k);
                List<Integer> ngram = new java.util.ArrayList<>();
                new SpeculativeDecoder(gpu, tok, new NGramLookup(2), k, false).generate(prompt, 200, Sampler.greedy(), new GenerationListener() {
                    @Override
                    public void token(int id, String text, TokenKind kind) {
                        if (kind != TokenKind.PROMPT && id >= 0) ngram.add(id);
                    }
                });
                assertEquals(want, ngram, "n-gram lookup, k=" + k);
            }
            try (Transformer cpu = CpuBackend.javaKernels().load(f, 1)) {
                assertEquals(CudaChecks.greedy(cpu, tok, prompt, 200, null, 0), want, "the CPU engine's greedy tokens");
            }
        }
    }

    @Test
    void gaugesReadTheDevice() throws Exception {
        try (ModelFile f = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null);
             CudaTransformer gpu = (CudaTransformer) cuda(f)) {
            gpu.forward(gpu.newCache(8), new int[] {1, 2, 3}, 0, 1);
            assertTrue(gpu.lastStepMillis() > 0, "CUDA-event step time " + gpu.lastStepMillis());
            long[] mem = gpu.memoryInfo();
            assertTrue(mem[0] > 0 && mem[0] <= mem[1], java.util.Arrays.toString(mem));
            double bw = gpu.copyBandwidthGBs();
            assertTrue(bw > 10 && bw < 100_000, "copy bandwidth " + bw + " GB/s");
            assertEquals(bw, gpu.copyBandwidthGBs(), "measured once, then cached");
        }
    }
}
