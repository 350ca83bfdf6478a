package org.speclab.engine.cpu;

/** The element-wise functions of the forward pass: the FFN's gated activations and Gemma 2's soft-capping. */
final class Activations {
    private Activations() {}

    /** v[0..n) = cap · tanh(v / cap), Gemma 2's soft-capping of attention scores and logits. */
    static void softcap(float[] v, int from, int n, float cap) {
        for (int i = from; i < from + n; i++) v[i] = cap * (float) Math.tanh(v[i] / cap);
    }

    /** g = gelu(g) · u with GELU's tanh form, 0.5·v·(1 + tanh(√(2/π)·(v + 0.044715·v³))), as llama.cpp computes it. */
    static void geglu(float[] g, float[] u, int n) {
        for (int i = 0; i < n; i++) g[i] = gelu(g[i], u[i]);
    }

    /** gelu(v) · u, {@link #geglu}'s arithmetic for one element. */
    static float gelu(float v, float u) {
        return 0.5f * v * (1f + (float) Math.tanh(0.7978845608028654f * v * (1f + 0.044715f * v * v))) * u;
    }

    /**
     * g = silu(g) · u, with silu(v) = v · (1 / (1 + e^−v)) as llama2.c writes it, e^x from {@link FastExp}
     * in vector lanes (Math.exp, called hidden-dim times per layer and position, cost a decode step
     * about a tenth of its time); lanes and the scalar tail agree bit for bit.
     */
    static void swiglu(float[] g, float[] u, int n) {
        var F = VectorDot.F;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            jdk.incubator.vector.FloatVector v = jdk.incubator.vector.FloatVector.fromArray(F, g, i);
            jdk.incubator.vector.FloatVector one = v.broadcast(1f);
            v.mul(one.div(one.add(FastExp.exp(v.neg())))).mul(jdk.incubator.vector.FloatVector.fromArray(F, u, i)).intoArray(g, i);
        }
        for (; i < n; i++) g[i] = g[i] * (1.0f / (1.0f + FastExp.exp(-g[i]))) * u[i];
    }
}
