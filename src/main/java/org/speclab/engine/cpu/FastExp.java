package org.speclab.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x in float32 for attention's softmax, where it runs (layers × heads × positions) times per
 * token: Cody–Waite range reduction and Cephes' degree-5 polynomial, about 2 ulp from the exact
 * value. Only float additions and multiplications, so the result is the same in the interpreter,
 * in compiled code and on every thread (batch invariance depends on it).
 */
final class FastExp {
    private FastExp() {}

    static float exp(float x) {
        if (x < -87.3f) return 0f; // below float's normal range: softmax weights this small vanish anyway
        if (x > 88.7f) return Float.POSITIVE_INFINITY;
        float k = (float) Math.rint(x * 1.44269504088896341f);
        float r = x - k * 0.693359375f;
        r = r - k * -2.12194440e-4f;
        float p = 1.9875691500E-4f;
        p = p * r + 1.3981999507E-3f;
        p = p * r + 8.3334519073E-3f;
        p = p * r + 4.1665795894E-2f;
        p = p * r + 1.6666665459E-1f;
        p = p * r + 5.0000001201E-1f;
        float y = p * (r * r) + r + 1f;
        int e = (int) k;
        if (e < -126) return y * Float.intBitsToFloat((e + 127 + 64) << 23) * 0x1p-64f;
        return y * Float.intBitsToFloat((e + 127) << 23);
    }

    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5 · 2^23: adding and subtracting it rounds to the nearest integer, ties to even, like Math.rint below 2^22. */
    private static final float ROUND = 12582912f;

    /**
     * {@link #exp(float)} in every lane, with the same float operations in the same order (multiplies
     * and adds, never fused), so a lane and the scalar function agree bit for bit.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector k = x.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = x.sub(k.mul(LN2_HI));
        r = r.sub(k.mul(LN2_LO));
        FloatVector p = x.broadcast(1.9875691500E-4f);
        p = p.mul(r).add(1.3981999507E-3f);
        p = p.mul(r).add(8.3334519073E-3f);
        p = p.mul(r).add(4.1665795894E-2f);
        p = p.mul(r).add(1.6666665459E-1f);
        p = p.mul(r).add(5.0000001201E-1f);
        FloatVector y = p.mul(r.mul(r)).add(r).add(1f);
        // in range (x ≥ -87.3) k ≥ -126, so the scalar function's subnormal branch never applies
        IntVector e = (IntVector) k.convert(VectorOperators.F2I, 0);
        FloatVector twoToK = e.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(twoToK).blend(0f, x.compare(VectorOperators.LT, -87.3f)).blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, 88.7f));
    }
}
