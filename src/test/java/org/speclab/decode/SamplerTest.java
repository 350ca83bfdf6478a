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
        assertEquals(0, Sampler.argmax(new float[] {3, 3, 1}));
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
}
