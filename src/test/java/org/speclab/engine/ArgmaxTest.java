package org.speclab.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ArgmaxTest {
    /** The first index of the largest value, as a plain loop finds it. */
    static int reference(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    @Test
    void theFirstLargestValueAtEveryLengthAndPlace() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] values = {-1f, 0f, -0f, 1f, 2f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0.5f};
        for (int n : new int[] {0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 32000}) {
            for (int trial = 0; trial < 200; trial++) {
                float[] x = new float[n];
                // few distinct values: ties everywhere, −0 beside +0, infinities
                int kinds = 1 + rnd.nextInt(values.length);
                for (int i = 0; i < n; i++) x[i] = values[rnd.nextInt(kinds)];
                if (n > 0 && rnd.nextBoolean()) x[rnd.nextInt(n)] = (float) rnd.nextDouble(-10, 10);
                assertEquals(reference(x), Transformer.argmax(x), () -> "n " + n + ": " + java.util.Arrays.toString(x));
            }
        }
        assertEquals(0, Transformer.argmax(new float[] {-0f, 0f, 0f}));
        assertEquals(1, Transformer.argmax(new float[] {Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 0f}));
        int[] ids = Transformer.argmaxes(new float[][] {{1, 3, 3}, {5, 4, 9}, {0, 0, 0}}, 2);
        assertEquals(2, ids.length);
        assertEquals(1, ids[0]);
        assertEquals(2, ids[1]);
    }

    @Test
    void aNaNAnywhereIsRefused() {
        for (int n : new int[] {1, 5, 16, 17, 40, 32000}) {
            for (int at : new int[] {0, n / 2, n - 1}) {
                float[] x = new float[n];
                java.util.Arrays.fill(x, 1f);
                x[at] = Float.NaN;
                EngineException e = assertThrows(EngineException.class, () -> Transformer.argmax(x));
                assertEquals(true, e.getMessage().contains("not numbers (NaN)"));
            }
        }
    }
}
