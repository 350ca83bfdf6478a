package org.speclab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.engine.KvCache;
import org.speclab.engine.RandomModels;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelFile;

/**
 * Above temperature 0, speculative sampling must draw from exactly the target's distribution. On a
 * 6-token vocabulary the exact probability of every 2-token continuation is computed from the
 * target's logits; thousands of seeded speculative runs are compared with it by a chi-square test.
 * The same test must reject a plausible but wrong rule (resampling from q instead of the residual).
 */
class SpeculativeSamplingTest {
    static final int V = 6, RUNS = 12_000;
    static final int[] PROMPT = {1, 2};
    /** χ² critical value for p = 0.0005 at 35 degrees of freedom (36 outcomes). */
    static final double CRITICAL = 69.2;

    @TempDir
    Path dir;

    private record Models(ModelFile tf, ModelFile df, Transformer target, Transformer draft) implements AutoCloseable {
        @Override
        public void close() {
            target.close();
            draft.close();
            tf.close();
            df.close();
        }
    }

    private Models models() throws Exception {
        Path t = RandomModels.write(dir.resolve("t.gguf"), new RandomModels.Shape(16, 24, 1, 2, 1, V, false, GgmlType.F32, 10000f), 21);
        Path d = RandomModels.write(dir.resolve("d.gguf"), new RandomModels.Shape(16, 24, 1, 2, 1, V, false, GgmlType.F32, 10000f), 22);
        ModelFile tf = ModelFiles.open(t, null), df = ModelFiles.open(d, null);
        return new Models(tf, df, new CpuBackend().load(tf, 1), new CpuBackend().load(df, 1));
    }

    private static Sampler sampler(long seed) {
        return new Sampler(0.8f, 4, 1f, seed);
    }

    /** P(a, b) = q(a | prompt) · q(b | prompt, a) under the warped target distribution. */
    private static double[] exact(Transformer target) {
        Sampler warp = sampler(1);
        KvCache c = target.newCache(4);
        float[] first = warp.probabilities(target.forward(c, PROMPT, 0, 1)[0]);
        double[] p = new double[V * V];
        for (int a = 0; a < V; a++) {
            float[] second = warp.probabilities(target.forward(c, new int[] {a}, PROMPT.length, 1)[0]);
            for (int b = 0; b < V; b++) p[a * V + b] = (double) first[a] * second[b];
        }
        return p;
    }

    private static double chiSquare(double[] expectedP, long[] observed, int n) {
        double chi = 0;
        double poolE = 0, poolO = 0;
        for (int i = 0; i < expectedP.length; i++) {
            double e = expectedP[i] * n;
            if (e < 5) { // pool rare outcomes so the χ² approximation holds
                poolE += e;
                poolO += observed[i];
                continue;
            }
            chi += (observed[i] - e) * (observed[i] - e) / e;
        }
        if (poolE > 0) chi += (poolO - poolE) * (poolO - poolE) / Math.max(poolE, 1e-9);
        return chi;
    }

    private double run(Models m, int k, SpeculativeDecoder.AcceptanceRule rule) {
        double[] p = exact(m.target());
        long[] counts = new long[V * V];
        SplittableRandom seeds = new SplittableRandom(99);
        for (int r = 0; r < RUNS; r++) {
            int[] out = RandomDecoding.speculative(m.target(), new DraftModel(m.draft(), "d", 8), k, PROMPT, 1, sampler(seeds.nextLong()), rule);
            assertEquals(2, out.length);
            counts[out[0] * V + out[1]]++;
        }
        return chiSquare(p, counts, RUNS);
    }

    @Test
    void speculativeSamplingMatchesTheTargetDistribution() throws Exception {
        try (Models m = models()) {
            for (int k : new int[] {1, 2}) {
                double chi = run(m, k, SpeculativeDecoder.AcceptanceRule.EXACT);
                assertTrue(chi < CRITICAL, "k=" + k + ": χ² = " + chi + " ≥ " + CRITICAL);
            }
        }
    }

    @Test
    void aWrongRuleIsCaught() throws Exception {
        var resampleFromQ = new SpeculativeDecoder.AcceptanceRule() {
            @Override
            public double acceptProbability(float q, float p) { return SpeculativeDecoder.acceptProbability(q, p); }

            @Override
            public Distribution residualDistribution(Distribution q, Drafter.Proposal draft, int i) { return q; }
        };
        try (Models m = models()) {
            double chi = run(m, 2, resampleFromQ);
            assertTrue(chi > CRITICAL, "the broken rule went unnoticed: χ² = " + chi);
        }
    }

    @Test
    void plainSamplingMatchesTooAndTheTestHasPower() throws Exception {
        try (Models m = models()) {
            double[] p = exact(m.target());
            long[] counts = new long[V * V];
            SplittableRandom seeds = new SplittableRandom(7);
            for (int r = 0; r < RUNS; r++) {
                int[] out = RandomDecoding.generate(m.target(), PROMPT, 1, sampler(seeds.nextLong()));
                counts[out[0] * V + out[1]]++;
            }
            assertTrue(chiSquare(p, counts, RUNS) < CRITICAL);
        }
    }
}
