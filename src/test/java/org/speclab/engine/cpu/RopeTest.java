package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** RoPE in vector lanes gives the scalar rotation's bits, for both pair layouts, any rotated width and any position. */
class RopeTest {
    /** The rotation as it was written before it took vector lanes: one pair at a time. */
    private static void scalar(float[] vec, int nHeads, int hs, int n, boolean neox, float[] cos, float[] sin, int t) {
        for (int h = 0; h < nHeads; h++) {
            for (int i = 0; i < n; i++) {
                int o0 = neox ? h * hs + i : h * hs + 2 * i, o1 = neox ? o0 + n : o0 + 1;
                float fcr = cos[t * n + i], fci = sin[t * n + i];
                float v0 = vec[o0], v1 = vec[o1];
                vec[o0] = v0 * fcr - v1 * fci;
                vec[o1] = v0 * fci + v1 * fcr;
            }
        }
    }

    @Test
    void lanesGiveTheScalarRotationBitForBit() {
        SplittableRandom rnd = new SplittableRandom(5);
        // head sizes with every pair count against the lanes: whole vectors, tails, fewer pairs than lanes, partial rotation
        int[][] shapes = {{64, 32}, {128, 64}, {80, 40}, {96, 16}, {6, 3}, {2, 1}, {34, 17}, {96, 12}};
        for (boolean neox : new boolean[] {false, true}) {
            for (int[] shape : shapes) {
                int hs = shape[0], n = shape[1], heads = 3, positions = 3;
                float[] cos = new float[positions * n], sin = new float[positions * n];
                float[] laidCos = new float[positions * RopeRotation.floatsPerPosition(n, neox)], laidSin = new float[laidCos.length];
                for (int i = 0; i < positions * n; i++) {
                    double a = rnd.nextDouble() * 200;
                    cos[i] = (float) Math.cos(a) * 1.1f;
                    sin[i] = (float) Math.sin(a) * 1.1f;
                    RopeRotation.set(laidCos, laidSin, i / n, n, neox, i % n, cos[i], sin[i]);
                }
                for (int t = 0; t < positions; t++) {
                    float[] want = new float[heads * hs];
                    for (int i = 0; i < want.length; i++) want[i] = (float) rnd.nextGaussian() * (i % 7 == 0 ? 1e4f : 1f);
                    float[] got = want.clone();
                    scalar(want, heads, hs, n, neox, cos, sin, t);
                    RopeRotation.rotate(got, heads, hs, n, neox, laidCos, laidSin, t);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                (neox ? "NEOX" : "pairs") + ", head size " + hs + ", " + n + " pairs, position " + t + ", value " + i + ": " + want[i] + " vs " + got[i]);
                    }
                }
            }
        }
    }
}
