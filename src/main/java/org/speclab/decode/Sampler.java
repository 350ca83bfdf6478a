package org.speclab.decode;

import java.util.Arrays;
import org.speclab.engine.Candidates;

/**
 * Picks the next token from logits: greedy at temperature 0; otherwise softmax(logits / T),
 * restricted to the top-k tokens and then to the smallest set whose probability reaches top-p.
 * The random stream is llama2.c's xorshift*, so a seed reproduces a run exactly.
 */
public final class Sampler {
    /** gpt-fast's defaults, which the CLI and the lab's Run view both start from. */
    public static final float DEFAULT_TEMPERATURE = 0.8f;
    public static final int DEFAULT_TOP_K = 200;

    private final float temperature;
    private final int topK;
    private final float topP;
    private long state;

    /**
     * @param topK 0 (or ≥ vocab) disables top-k
     * @param topP 1 (or ≤ 0) disables top-p
     * @param seed any non-zero value
     */
    public Sampler(float temperature, int topK, float topP, long seed) {
        if (temperature < 0 || Float.isNaN(temperature)) throw new IllegalArgumentException("temperature must be ≥ 0, found " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be ≥ 0, found " + topK);
        if (!(topP >= 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in [0, 1], found " + topP);
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    public static Sampler greedy() {
        return new Sampler(0f, 0, 1f, 1);
    }

    public boolean isGreedy() { return temperature == 0f; }

    public int sample(float[] logits) {
        if (isGreedy()) return org.speclab.engine.Transformer.argmax(logits); // refuses NaN too
        org.speclab.engine.Transformer.requireNumbers(logits);
        float[] p = warp(logits);
        float coin = nextFloat();
        return topP > 0 && topP < 1 ? sampleTopP(null, p, coin, p.length) : sampleFrom(p, coin);
    }

    /**
     * Whether this sampler draws from top-k {@link Candidates} over a vocabulary of {@code vocab}
     * tokens, which a device can hand back instead of all logits.
     */
    public boolean usesCandidates(int vocab) { return !isGreedy() && topK > 0 && topK < vocab; }

    public float temperature() { return temperature; }

    public int topK() { return topK; }

    /**
     * The same draw as {@link #sample(float[])} on the logits these candidates came from, from the
     * candidates alone: tokens outside them have probability 0 after top-k, so they add nothing to
     * the softmax's sum or to the running sums of the draw, which visit the rest in the same order.
     */
    public int sample(Candidates c) {
        if (!usesCandidates(c.vocab())) throw new IllegalStateException("this sampler does not sample from top-k candidates");
        float[] p = c.scaled().clone();
        softmax(p);
        float coin = nextFloat();
        int[] ids = c.ids();
        if (topP > 0 && topP < 1) return sampleTopP(ids, p, coin, c.vocab());
        float cdf = 0f;
        int lastNonZero = 0; // as sampleFrom on the dense array
        for (int j = 0; j < p.length; j++) {
            if (p[j] > 0) lastNonZero = ids[j];
            cdf += p[j];
            if (coin < cdf) return ids[j];
        }
        return lastNonZero;
    }

    /**
     * Nucleus sampling as llama2.c's {@code sample_topp} does it, so seeded runs reproduce run.c's:
     * candidates in descending probability, cut where the running sum first exceeds top-p, and the
     * coin scaled to that sum.
     */
    private int sampleTopP(int[] ids, float[] p, float coin, int n) {
        float cutoff = (1.0f - topP) / (n - 1);
        int m = 0;
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < p.length; i++) if (p[i] >= cutoff) idx[m++] = i;
        if (m == 0) { // nothing reaches the cut-off (a near-uniform distribution and a tiny top-p): the likeliest token
            int best = 0;
            for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
            return ids == null ? best : ids[best];
        }
        Integer[] cand = Arrays.copyOf(idx, m);
        // by probability, then by token id (ids ascend with the index)
        Arrays.sort(cand, (a, b) -> p[a] != p[b] ? Float.compare(p[b], p[a]) : Integer.compare(a, b));
        float cum = 0f;
        int last = m - 1;
        for (int i = 0; i < m; i++) {
            cum += p[cand[i]];
            if (cum > topP) {
                last = i;
                break;
            }
        }
        float r = coin * cum, cdf = 0f;
        for (int i = 0; i <= last; i++) {
            cdf += p[cand[i]];
            if (r < cdf) return ids == null ? cand[i] : ids[cand[i]];
        }
        return ids == null ? cand[last] : ids[cand[last]];
    }

    /**
     * The distribution this sampler draws from: temperature, then top-k and top-p applied
     * (tokens outside get probability 0, the rest renormalised). Speculation warps target and draft
     * the same way with it.
     */
    public float[] probabilities(float[] logits) {
        float[] p = warp(logits);
        if (topP > 0 && topP < 1) keepTopP(p);
        return p;
    }

    /**
     * {@link #probabilities} from top-k candidates, held sparsely: the same numbers for the same
     * tokens (those outside have probability 0 either way, and add nothing to any sum).
     */
    public Distribution distribution(Candidates c) {
        if (!usesCandidates(c.vocab())) throw new IllegalStateException("this sampler does not sample from top-k candidates");
        float[] p = c.scaled().clone();
        softmax(p);
        if (topP > 0 && topP < 1) keepTopP(p);
        return new Distribution(c.vocab(), c.ids(), p);
    }

    /** softmax(logits / T) with top-k applied. */
    private float[] warp(float[] logits) {
        int n = logits.length;
        float[] p = new float[n];
        float t = temperature == 0f ? 1f : temperature;
        for (int i = 0; i < n; i++) p[i] = logits[i] / t;
        if (topK > 0 && topK < n) {
            float kth = Candidates.kthLargest(p, topK); // what sorting p and taking [n − topK] gives
            for (int i = 0; i < n; i++) if (p[i] < kth) p[i] = Float.NEGATIVE_INFINITY;
        }
        softmax(p);
        return p;
    }

    private void keepTopP(float[] p) {
        // only tokens with probability left need ordering (after top-k, a few hundred of a vocabulary):
        // the sort is stable and they enter in index order, so ties keep the order a sort of all would give
        int m = 0;
        for (float v : p) if (v > 0) m++;
        Integer[] order = new Integer[m];
        for (int i = 0, o = 0; i < p.length; i++) if (p[i] > 0) order[o++] = i;
        Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
        float cum = 0f;
        int last = order.length - 1;
        for (int i = 0; i < order.length; i++) {
            cum += p[order[i]];
            if (cum > topP) {
                last = i;
                break;
            }
        }
        for (int i = last + 1; i < order.length; i++) p[order[i]] = 0f;
        float sum = 0f;
        for (float v : p) sum += v;
        for (int i = 0; i < p.length; i++) p[i] /= sum;
    }

    static void softmax(float[] x) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        float sum = 0f;
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < x.length; i++) x[i] /= sum;
    }

    /** Inverse-CDF draw from a distribution summing to ~1. */
    public static int sampleFrom(float[] p, float coin) {
        float cdf = 0f;
        int lastNonZero = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) lastNonZero = i;
            cdf += p[i];
            if (coin < cdf) return i;
        }
        return lastNonZero; // rounding
    }

    /** Uniform in [0, 1), llama2.c's random_f32. */
    public float nextFloat() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        int u32 = (int) ((state * 0x2545F4914F6CDD1DL) >>> 32);
        return (u32 >>> 8) / 16777216.0f;
    }
}
