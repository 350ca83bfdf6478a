package org.speclab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {
    static final float[] LOGITS = {0.1f, 2.0f, 1.5f, -1f, 1.9f, 0.0f};

    @Test
    void greedyTakesTheFirstMaximum() {
        assertEquals(1, Sampler.greedy().sample(LOGITS));
        assertEquals(0, Sampler.greedy().sample(new float[] {3, 3, 1}));
    }

    @Test
    void sameSeedSameTokens() {
        Sampler a = new Sampler(1f, 0, 1f, 42), b = new Sampler(1f, 0, 1f, 42), c = new Sampler(1f, 0, 1f, 43);
        StringBuilder sa = new StringBuilder(), sb = new StringBuilder(), sc = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sa.append(a.sample(LOGITS));
            sb.append(b.sample(LOGITS));
            sc.append(c.sample(LOGITS));
        }
        assertEquals(sa.toString(), sb.toString());
        assertTrue(!sa.toString().equals(sc.toString()));
    }

    @Test
    void llama2cRandomStream() {
        // run.c: state = 42; random_u32 xorshift*; random_f32 = (u32 >> 8) / 16777216
        Sampler s = new Sampler(1f, 0, 1f, 42);
        long state = 42;
        for (int i = 0; i < 5; i++) {
            state ^= state >>> 12;
            state ^= state << 25;
            state ^= state >>> 27;
            long u32 = (state * 0x2545F4914F6CDD1DL) >>> 32;
            assertEquals((u32 >>> 8) / 16777216.0f, s.nextFloat());
        }
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        Sampler k1 = new Sampler(1.5f, 1, 1f, 3), p = new Sampler(1.5f, 0, 0.01f, 3);
        for (int i = 0; i < 100; i++) {
            assertEquals(1, k1.sample(LOGITS));
            assertEquals(1, p.sample(LOGITS));
        }
    }

    @Test
    void topKKeepsOnlyTheKBest() {
        float[] p = new Sampler(1f, 3, 1f, 1).probabilities(LOGITS);
        assertEquals(0f, p[0]);
        assertEquals(0f, p[3]);
        assertEquals(0f, p[5]);
        assertEquals(1.0, p[1] + p[2] + p[4], 1e-6);
    }

    @Test
    void frequenciesFollowTheDistribution() {
        Sampler s = new Sampler(1f, 0, 1f, 7);
        float[] p = s.probabilities(LOGITS);
        int n = 200_000;
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < n; i++) counts[s.sample(LOGITS)]++;
        for (int i = 0; i < p.length; i++) {
            double sd = Math.sqrt(n * p[i] * (1 - p[i]));
            assertEquals(n * p[i], counts[i], 5 * sd + 1, "token " + i);
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1f, 0, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, -2, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 0, 1.5f, 1));
    }

    /**
     * Top-k candidates (what a GPU hands back) give the very draws the whole logits give: random
     * logits of a 500-token vocabulary, some with many ties, several k, temperatures and top-p.
     */
    @Test
    void candidatesDrawExactlyWhatTheWholeLogitsDraw() {
        java.util.Random rnd = new java.util.Random(3);
        int vocab = 500;
        for (int round = 0; round < 60; round++) {
            float[] logits = new float[vocab];
            boolean ties = round % 3 == 0;
            for (int i = 0; i < vocab; i++) logits[i] = ties ? Math.round(rnd.nextGaussian() * 2) / 2f : (float) (rnd.nextGaussian() * 3);
            int k = new int[] {1, 2, 10, 40, 200, 499}[round % 6];
            float temperature = new float[] {0.3f, 0.8f, 1f, 1.7f}[round % 4];
            float topP = new float[] {1f, 0.9f, 0.5f, 0.95f, 0f}[round % 5];
            Sampler whole = new Sampler(temperature, k, topP, round + 1), sparse = new Sampler(temperature, k, topP, round + 1);
            assertTrue(sparse.usesCandidates(vocab));
            org.speclab.engine.Candidates c = org.speclab.engine.Candidates.of(logits, temperature, k);
            for (int draw = 0; draw < 40; draw++) {
                assertEquals(whole.sample(logits), sparse.sample(c), "round " + round + " (k " + k + ", T " + temperature + ", top-p " + topP + "), draw " + draw);
            }
        }
    }

    @Test
    void onlyTopKSamplersUseCandidates() {
        assertTrue(!Sampler.greedy().usesCandidates(500));
        assertTrue(!new Sampler(1f, 0, 1f, 1).usesCandidates(500));   // top-k off
        assertTrue(!new Sampler(1f, 500, 1f, 1).usesCandidates(500)); // k = the whole vocabulary
        assertThrows(IllegalStateException.class, () -> new Sampler(1f, 0, 1f, 1).sample(org.speclab.engine.Candidates.of(LOGITS, 1f, 2)));
    }

    /**
     * The sparse forms speculative sampling uses (a GPU's candidates) give the dense arrays' numbers
     * to the bit: the warped distribution, and the residual normalize(max(q − p, 0)) of a rejection.
     */
    @Test
    void sparseDistributionsAndResidualsAreTheDenseOnes() {
        java.util.Random rnd = new java.util.Random(4);
        int vocab = 300;
        for (int round = 0; round < 40; round++) {
            float[] target = new float[vocab], draft = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                target[i] = (float) (rnd.nextGaussian() * 2);
                draft[i] = round % 4 == 0 ? target[i] : (float) (rnd.nextGaussian() * 2);
            }
            float temperature = new float[] {0.5f, 0.8f, 1.2f}[round % 3];
            int k = new int[] {1, 3, 20, 150}[round % 4];
            float topP = round % 2 == 0 ? 1f : 0.85f;
            Sampler s = new Sampler(temperature, k, topP, 1);
            float[] q = s.probabilities(target), p = s.probabilities(draft);
            Distribution sq = s.distribution(org.speclab.engine.Candidates.of(target, temperature, k));
            Distribution sp = s.distribution(org.speclab.engine.Candidates.of(draft, temperature, k));
            org.junit.jupiter.api.Assertions.assertArrayEquals(q, dense(sq), "round " + round);
            org.junit.jupiter.api.Assertions.assertArrayEquals(p, dense(sp), "round " + round);
            // the residual of a rejected draft token, against the dense formula
            Drafter.Proposal proposal = new Drafter.Proposal(new int[] {sp.ids()[0]}, new Distribution[] {sp});
            float[] want = new float[vocab];
            double sum = 0;
            for (int v = 0; v < vocab; v++) sum += want[v] = Math.max(0f, q[v] - p[v]);
            if (sum > 0) for (int v = 0; v < vocab; v++) want[v] = (float) (want[v] / sum);
            else want = q.clone();
            Distribution got = SpeculativeDecoder.residualDistribution(sq, proposal, 0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(want, dense(got), "round " + round);
            float coin = rnd.nextFloat();
            assertEquals(Sampler.sampleFrom(want, coin), got.sample(coin), "round " + round);
            // a deterministic proposal (n-gram) counts as one-hot
            Drafter.Proposal oneHot = new Drafter.Proposal(new int[] {7}, null);
            float[] wantOne = q.clone();
            wantOne[7] = Math.max(0f, q[7] - 1f);
            double s1 = 0;
            for (float v : wantOne) s1 += v;
            if (s1 > 0) for (int v = 0; v < vocab; v++) wantOne[v] = (float) (wantOne[v] / s1);
            else wantOne = q.clone();
            org.junit.jupiter.api.Assertions.assertArrayEquals(wantOne, dense(SpeculativeDecoder.residualDistribution(sq, oneHot, 0)), "round " + round + ", one-hot");
        }
    }

    /** Degenerate warps (a temperature so small that the scaled logits overflow to infinity, so NaN probabilities) still draw alike. */
    @Test
    void overflowingWarpsDrawAlikeFromCandidatesAndLogits() {
        java.util.Random rnd = new java.util.Random(8);
        float[] logits = new float[200];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (rnd.nextGaussian() * 3);
        for (float topP : new float[] {1f}) { // (top-p below 1 finds no candidate at all here, as llama2.c's sample_topp)
            Sampler whole = new Sampler(1e-38f, 40, topP, 3), sparse = new Sampler(1e-38f, 40, topP, 3);
            org.speclab.engine.Candidates c = org.speclab.engine.Candidates.of(logits, 1e-38f, 40);
            for (int draw = 0; draw < 10; draw++) assertEquals(whole.sample(logits), sparse.sample(c), "top-p " + topP + ", draw " + draw);
            float[] dense = whole.probabilities(logits);
            org.junit.jupiter.api.Assertions.assertArrayEquals(dense, dense(Distribution.of(dense)), "top-p " + topP);
        }
    }

    /** A top-p so small that no token reaches llama2.c's cut-off takes the likeliest token instead of failing. */
    @Test
    void aTinyTopPOnAFlatDistributionTakesTheLikeliestToken() {
        float[] flat = new float[1000];
        flat[700] = 1e-3f;
        assertEquals(700, new Sampler(1f, 0, 1e-6f, 1).sample(flat));
        assertEquals(700, new Sampler(1f, 50, 1e-6f, 1).sample(org.speclab.engine.Candidates.of(flat, 1f, 50)));
    }

    private static float[] dense(Distribution d) {
        float[] a = new float[d.vocab()];
        for (int i = 0; i < d.ids().length; i++) a[d.ids()[i]] = d.probs()[i];
        return a;
    }
}
