package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class FastExpTest {
    @Test
    void vectorLanesEqualTheScalarFunctionBitForBit() {
        // a softmax runs its body in lanes and its tail in scalar code: both must give the same weights
        SplittableRandom rnd = new SplittableRandom(3);
        int lanes = VectorDot.F.length();
        float[] x = new float[lanes], got = new float[lanes];
        float[] edges = {0f, -0f, -87.3f, -87.29999f, -87.30001f, 88.7f, 88.70001f, -0.5f * 0.6931472f, 0.5f * 0.6931472f, -1000f, 1000f, -126f * 0.6931472f};
        for (int round = 0; round < 20_000; round++) {
            for (int i = 0; i < lanes; i++) {
                x[i] = round == 0 ? edges[i % edges.length] : (float) (rnd.nextDouble() * 200 - 110);
            }
            FastExp.exp(FloatVector.fromArray(VectorDot.F, x, 0)).intoArray(got, 0);
            for (int i = 0; i < lanes; i++) {
                assertEquals(Float.floatToRawIntBits(FastExp.exp(x[i])), Float.floatToRawIntBits(got[i]), "e^" + x[i]);
            }
        }
    }

    @Test
    void closeToTheExactExponential() {
        for (float v = -87f; v < 88f; v += 0.37f) {
            double want = Math.exp(v);
            assertTrue(Math.abs(FastExp.exp(v) - want) <= 3 * Math.ulp((float) want), "e^" + v);
        }
    }
}
