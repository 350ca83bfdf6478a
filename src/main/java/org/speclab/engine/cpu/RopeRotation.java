package org.speclab.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Rotary position embedding of a position's heads in vector lanes, with the scalar rotation's bits. The angles of a
 * position are laid out for the model's pair style ({@link #set}): NEOX pairs (i, i + n) read cos_i and sin_i; pairs
 * (2i, 2i + 1) read, per value, cos_i, cos_i and −sin_i, sin_i, so that one vector multiply-add of the values and of the
 * values swapped within each pair rotates them.
 */
final class RopeRotation {
    private RopeRotation() {}

    /** Floats of cos (and of sin) per position for n pairs. */
    static int floatsPerPosition(int n, boolean neox) { return neox ? n : 2 * n; }

    /** Stores pair i's angle (cos cs, sin sn) of position t. */
    static void set(float[] cos, float[] sin, int t, int n, boolean neox, int i, float cs, float sn) {
        if (neox) {
            cos[t * n + i] = cs;
            sin[t * n + i] = sn;
        } else {
            int o = 2 * (t * n + i);
            cos[o] = cs;
            cos[o + 1] = cs;
            sin[o] = -sn;
            sin[o + 1] = sn;
        }
    }

    /**
     * Rotates the first n pairs of each of nHeads heads of hs values at position t. Each value is computed with the
     * scalar form's operations: a NEOX pair as v0·cos − v1·sin and v0·sin + v1·cos; a pair (2i, 2i + 1) as
     * v0·cos + v1·(−sin) and v1·cos + v0·sin, the same roundings in another order (a − b is a + (−b), and a sum does
     * not depend on its order), so lanes and the scalar tail give the same bits.
     */
    static void rotate(float[] vec, int nHeads, int hs, int n, boolean neox, float[] cos, float[] sin, int t) {
        rotate(vec, 0, nHeads, hs, n, neox, cos, sin, t);
    }

    /** {@link #rotate} of heads h0 ≤ h &lt; h1 only, each the same bits as when all heads are rotated. */
    static void rotate(float[] vec, int h0, int h1, int hs, int n, boolean neox, float[] cos, float[] sin, int t) {
        var F = VectorDot.F;
        int lanes = F.length();
        for (int h = h0; h < h1; h++) {
            int base = h * hs, i = 0;
            if (neox) {
                for (; i + lanes <= n; i += lanes) {
                    FloatVector v0 = FloatVector.fromArray(F, vec, base + i), v1 = FloatVector.fromArray(F, vec, base + n + i);
                    FloatVector cs = FloatVector.fromArray(F, cos, t * n + i), sn = FloatVector.fromArray(F, sin, t * n + i);
                    v0.mul(cs).sub(v1.mul(sn)).intoArray(vec, base + i);
                    v0.mul(sn).add(v1.mul(cs)).intoArray(vec, base + n + i);
                }
                for (; i < n; i++) pair(vec, base + i, base + n + i, cos[t * n + i], sin[t * n + i]);
            } else {
                for (; 2 * i + lanes <= 2 * n; i += lanes / 2) {
                    FloatVector v = FloatVector.fromArray(F, vec, base + 2 * i);
                    // each pair's two values swapped: a 64-bit lane rotated by 32 bits
                    FloatVector swapped = v.reinterpretAsLongs().lanewise(VectorOperators.ROR, 32).reinterpretAsFloats();
                    int o = 2 * (t * n + i);
                    v.mul(FloatVector.fromArray(F, cos, o)).add(swapped.mul(FloatVector.fromArray(F, sin, o))).intoArray(vec, base + 2 * i);
                }
                for (; i < n; i++) pair(vec, base + 2 * i, base + 2 * i + 1, cos[2 * (t * n + i)], sin[2 * (t * n + i) + 1]);
            }
        }
    }

    /** The scalar rotation of one pair (o0, o1) by the angle with cosine fcr and sine fci. */
    private static void pair(float[] vec, int o0, int o1, float fcr, float fci) {
        float v0 = vec[o0], v1 = vec[o1];
        vec[o0] = v0 * fcr - v1 * fci;
        vec[o1] = v0 * fci + v1 * fcr;
    }
}
