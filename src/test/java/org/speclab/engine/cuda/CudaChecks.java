package org.speclab.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.speclab.decode.EarlyExit;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.Generator;
import org.speclab.decode.Sampler;
import org.speclab.decode.SpeculativeDecoder;
import org.speclab.decode.TokenKind;
import org.speclab.engine.KvCache;
import org.speclab.engine.RandomModels;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelFile;
import org.speclab.quant.WeightType;
import org.speclab.tokenizer.Tokenizer;

/**
 * The checks the CUDA engine must pass, written once and run twice: on the CPU emulation of the
 * kernels (CudaEmulatorTest, everywhere) and on a real device (CudaParityTest, tag "gpu").
 * {@code engine} loads a model file on the engine under test.
 */
final class CudaChecks {
    private CudaChecks() {}

    /** Every type the CUDA engine has kernels for (the type table's rows that name one). */
    static java.util.stream.Stream<GgmlType> cudaTypes() {
        return WeightType.types(WeightType::onCuda).stream();
    }

    /** Those of them SpecLab writes, so a random model of each can be made. */
    static java.util.stream.Stream<GgmlType> writtenCudaTypes() {
        return WeightType.types(w -> w.onCuda() && w.writes()).stream();
    }

    static final int[] TOKENS = {1, 17, 5, 42, 9, 33, 2, 60, 7, 8, 250, 3, 99, 100, 4, 12, 13, 14, 15, 16, 200, 201};

    /**
     * Largest |cuda − cpu| over a position's logits, relative to its largest |cpu| logit. Weights
     * are dequantized to the same floats on both (the kernels round as the codecs do), so what
     * differs is only the order of float additions: the bound is the same small one for every type.
     */
    static double relativeError(float[] want, float[] got) {
        double max = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        return err / Math.max(max, 1e-30);
    }

    static RandomModels.Shape shape(GgmlType type) {
        // 256-wide rows so every block type fits; grouped-query attention; untied classifier; hidden
        // 768 so the Q6_K/Q4_K rows hold several super-blocks
        return new RandomModels.Shape(256, 768, 2, 8, 2, 300, false, type, 10000f);
    }

    /** Logits of every position (one by one, then a prefill of 3 and a verify batch of 19) against the CPU engine. */
    static void matchesCpu(Path dir, GgmlType type, Function<ModelFile, Transformer> engine, double bound) throws Exception {
        Path file = RandomModels.write(dir.resolve("parity-" + type + ".gguf"), shape(type), 11);
        try (ModelFile f = ModelFiles.open(file, null); Transformer cpu = CpuBackend.javaKernels().load(f, 2); Transformer gpu = engine.apply(f)) {
            float[][] want = cpu.forward(cpu.newCache(TOKENS.length), TOKENS, 0, TOKENS.length);
            KvCache one = gpu.newCache(2); // grows as positions come
            for (int pos = 0; pos < TOKENS.length; pos++) {
                float[] got = gpu.forward(one, new int[] {TOKENS[pos]}, pos, 1)[0];
                double e = relativeError(want[pos], got);
                assertTrue(e <= bound, type + " position " + pos + ": relative error " + e + " > " + bound);
            }
            KvCache batch = gpu.newCache(TOKENS.length);
            float[][] a = gpu.forward(batch, Arrays.copyOfRange(TOKENS, 0, 3), 0, 3);
            float[][] b = gpu.forward(batch, Arrays.copyOfRange(TOKENS, 3, TOKENS.length), 3, TOKENS.length - 3);
            for (int pos = 0; pos < TOKENS.length; pos++) {
                double e = relativeError(want[pos], pos < 3 ? a[pos] : b[pos - 3]);
                assertTrue(e <= bound, type + " batched position " + pos + ": relative error " + e + " > " + bound);
            }
        }
    }

    /**
     * A reference-pack file of any family: the CPU engine's logits (Java kernels, float activations
     * like the device's) one position at a time and in one batch, each position the same bits alone or batched.
     */
    static void familyMatchesCpu(String stem, Function<ModelFile, Transformer> engine, double bound) throws Exception {
        int[] tokens = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};
        try (ModelFile f = ModelFiles.open(org.speclab.SharedFiles.require("reference/arch/" + stem + ".gguf"), null);
             Transformer cpu = CpuBackend.javaKernels().load(f, 2); Transformer gpu = engine.apply(f)) {
            float[][] want = cpu.forward(cpu.newCache(tokens.length), tokens, 0, tokens.length);
            float[][] batch = gpu.forward(gpu.newCache(tokens.length), tokens, 0, tokens.length);
            KvCache one = gpu.newCache(tokens.length);
            for (int pos = 0; pos < tokens.length; pos++) {
                float[] alone = gpu.forward(one, new int[] {tokens[pos]}, pos, 1)[0];
                double e = relativeError(want[pos], alone);
                assertTrue(e <= bound, stem + " position " + pos + ": relative error " + e + " > " + bound);
                org.junit.jupiter.api.Assertions.assertArrayEquals(batch[pos], alone, stem + " position " + pos + ": batched vs alone");
            }
        }
    }

    /** A position's logits are bit-identical alone, in a prefill, in a verify batch, or in one of more than 16 positions. */
    static void batchInvariant(Path dir, GgmlType type, Function<ModelFile, Transformer> engine) throws Exception {
        Path file = RandomModels.write(dir.resolve("invariance-" + type + ".gguf"), shape(type), 5);
        try (ModelFile f = ModelFiles.open(file, null); Transformer t = engine.apply(f)) {
            KvCache c1 = t.newCache(TOKENS.length);
            float[][] single = new float[TOKENS.length][];
            for (int pos = 0; pos < TOKENS.length; pos++) single[pos] = t.forward(c1, new int[] {TOKENS[pos]}, pos, 1)[0];
            float[][] all = t.forward(t.newCache(TOKENS.length), TOKENS, 0, TOKENS.length); // 22 positions: two matrix launches
            KvCache c2 = t.newCache(TOKENS.length);
            float[][] a = t.forward(c2, Arrays.copyOfRange(TOKENS, 0, 4), 0, 4);
            float[][] b = t.forward(c2, Arrays.copyOfRange(TOKENS, 4, 10), 4, 6);
            // a rejected draft: roll back two positions and verify other tokens there; stale keys or
            // values of the rolled-back positions would show in these logits
            int[] other = {TOKENS[15], TOKENS[16], TOKENS[17]};
            org.junit.jupiter.api.Assertions.assertFalse(Arrays.equals(other, Arrays.copyOfRange(TOKENS, 8, 11)));
            float[][] r = t.forward(c2, other, 8, 3);
            KvCache c3 = t.newCache(TOKENS.length);
            float[][] redo = new float[3][];
            for (int pos = 0; pos < 11; pos++) {
                float[] l = t.forward(c3, new int[] {pos < 8 ? TOKENS[pos] : other[pos - 8]}, pos, 1)[0];
                if (pos >= 8) redo[pos - 8] = l;
            }
            for (int pos = 0; pos < TOKENS.length; pos++) {
                assertArrayEquals(single[pos], all[pos], type + " position " + pos + " in a batch of " + TOKENS.length);
                if (pos < 10) assertArrayEquals(single[pos], pos < 4 ? a[pos] : b[pos - 4], type + " position " + pos + " in a small batch");
                if (pos >= 8 && pos <= 10) assertArrayEquals(redo[pos - 8], r[pos - 8], type + " position " + pos + " after truncate");
            }
        }
    }

    /** Early exit shares the weights and matches the CPU engine's early exit. */
    static void earlyExitMatchesCpu(Path dir, Function<ModelFile, Transformer> engine, double bound) throws Exception {
        Path file = RandomModels.write(dir.resolve("early.gguf"), new RandomModels.Shape(64, 128, 3, 4, 2, 100, true, GgmlType.F16, 10000f), 3);
        try (ModelFile f = ModelFiles.open(file, null); Transformer cpu = CpuBackend.javaKernels().load(f, 1); Transformer gpu = engine.apply(f);
             Transformer cpu1 = cpu.earlyExit(1); Transformer gpu1 = gpu.earlyExit(1)) {
            int[] tokens = {1, 2, 3, 4, 5};
            float[][] want = cpu1.forward(cpu1.newCache(5), tokens, 0, 5);
            float[][] got = gpu1.forward(gpu1.newCache(5), tokens, 0, 5);
            for (int p = 0; p < 5; p++) assertTrue(relativeError(want[p], got[p]) <= bound, "position " + p);
            assertEquals(1, gpu1.config().layers());
            assertTrue(gpu1.weightBytes() < gpu.weightBytes());
        }
    }

    /**
     * forwardTopK hands back exactly the candidates the host would select from forward's logits,
     * and a top-k sampler draws the same tokens from them as from the logits (same seed).
     */
    static void topKCandidatesAreTheHostsSelection(Path dir, Function<ModelFile, Transformer> engine) throws Exception {
        Path file = RandomModels.write(dir.resolve("topk.gguf"), shape(GgmlType.Q8_0), 4);
        try (ModelFile f = ModelFiles.open(file, null); Transformer gpu = engine.apply(f)) {
            int[] tokens = java.util.Arrays.copyOf(TOKENS, 6);
            for (int k : new int[] {1, 5, 40}) {
                float temperature = 0.8f;
                float[][] logits = gpu.forward(gpu.newCache(8), tokens, 0, 4);
                org.speclab.engine.Candidates[] got = gpu.forwardTopK(gpu.newCache(8), tokens, 0, 4, temperature, k);
                Sampler a = new Sampler(temperature, k, 0.9f, 11), b = new Sampler(temperature, k, 0.9f, 11);
                for (int o = 0; o < 4; o++) {
                    org.speclab.engine.Candidates want = org.speclab.engine.Candidates.of(logits[o], temperature, k);
                    assertArrayEquals(want.ids(), got[o].ids(), "k " + k + ", output " + o);
                    assertArrayEquals(want.scaled(), got[o].scaled(), "k " + k + ", output " + o);
                    for (int draw = 0; draw < 20; draw++) assertEquals(a.sample(logits[o]), b.sample(got[o]), "k " + k + ", output " + o + ", draw " + draw);
                }
            }
        }
    }

    /** Greedy token ids, as the CLI would print them. */
    static List<Integer> greedy(Transformer t, Tokenizer tok, int[] prompt, int positions, Transformer earlyExitOf, int k) {
        List<Integer> out = new ArrayList<>();
        GenerationListener l = new GenerationListener() {
            @Override
            public void token(int id, String text, TokenKind kind) {
                if (kind != TokenKind.PROMPT && id >= 0) out.add(id);
            }
        };
        if (earlyExitOf == null) {
            new Generator(t, tok).generate(prompt, positions, Sampler.greedy(), l);
        } else {
            try (EarlyExit e = new EarlyExit(earlyExitOf, 2, prompt.length + positions)) {
                new SpeculativeDecoder(t, tok, e, k, false).generate(prompt, positions, Sampler.greedy(), l);
            }
        }
        return out;
    }
}
