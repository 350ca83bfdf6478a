package org.speclab.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CandidatesTest {
    @Test
    void keepsEverythingNotBelowTheKthLargestInIdOrderTiesIncluded() {
        float[] logits = {0.5f, 2f, -1f, 2f, 1f, 1f, 3f};
        Candidates c = Candidates.of(logits, 2f, 3); // scaled: .25 1 -.5 1 .5 .5 1.5; third largest is 1, tied
        assertArrayEquals(new int[] {1, 3, 6}, c.ids());
        assertArrayEquals(new float[] {1f, 1f, 1.5f}, c.scaled());
        assertArrayEquals(new int[] {1, 3, 4, 5, 6}, Candidates.of(logits, 2f, 4).ids()); // 0.5 tied twice: five for k = 4
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, Candidates.of(logits, 1f, 7).ids());
        assertThrows(IllegalArgumentException.class, () -> Candidates.of(logits, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> Candidates.of(logits, 1f, 8));
    }

    /** Selection gives what sorting gives, at every k, with ties, both zeros, infinities and NaN. */
    @Test
    void kthLargestIsTheSortedValue() {
        java.util.Random r = new java.util.Random(9);
        for (int round = 0; round < 300; round++) {
            int n = 1 + r.nextInt(round < 100 ? 12 : 700);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                int kind = r.nextInt(10);
                a[i] = kind == 0 ? 0f : kind == 1 ? -0f : kind == 2 ? Math.round(r.nextGaussian()) : kind == 3 && round % 7 == 0 ? Float.NaN
                        : kind == 4 && round % 5 == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
            }
            float[] copy = a.clone(), sorted = a.clone();
            java.util.Arrays.sort(sorted);
            for (int k = 1; k <= n; k += 1 + n / 40) {
                float got = Candidates.kthLargest(a, k);
                assertEquals(Float.floatToIntBits(sorted[n - k]), Float.floatToIntBits(got), "n " + n + ", k " + k);
            }
            assertArrayEquals(copy, a, "the input is left as it was");
        }
    }
}
