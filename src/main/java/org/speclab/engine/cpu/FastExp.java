package org.speclab.engine.cpu;

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
}
