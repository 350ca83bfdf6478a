package org.speclab.engine;

import java.util.Arrays;

/**
 * The tokens a top-k sampler can still pick at one position, so that a device need only hand back
 * these instead of the whole vocabulary: every id whose scaled logit p = logit / temperature is not
 * below the k-th largest p (ties at that value included, hence possibly more than k), in ascending
 * id order, with their p values. Every other token has probability 0 after top-k.
 *
 * @param vocab  the vocabulary size (top-p's cut-off depends on it)
 * @param ids    ascending token ids
 * @param scaled logit / temperature of each id
 */
public record Candidates(int vocab, int[] ids, float[] scaled) {
    public Candidates {
        if (ids.length != scaled.length) throw new IllegalArgumentException("ids and values differ in length: " + ids.length + " vs " + scaled.length);
    }

    /**
     * The candidates of one row of logits, computed on the host: the selection every device's must
     * equal (Sampler's top-k: sort the scaled logits, keep what is not below the k-th largest).
     * Needs 0 &lt; k ≤ logits.length and temperature &gt; 0.
     */
    public static Candidates of(float[] logits, float temperature, int k) {
        int n = logits.length;
        if (k < 1 || k > n) throw new IllegalArgumentException("top-k " + k + " not in 1.." + n);
        float[] p = new float[n];
        for (int i = 0; i < n; i++) p[i] = logits[i] / temperature;
        float[] sorted = p.clone();
        Arrays.sort(sorted);
        float kth = sorted[n - k];
        int m = 0;
        for (float v : p) if (!(v < kth)) m++;
        int[] ids = new int[m];
        float[] values = new float[m];
        for (int i = 0, o = 0; i < n; i++) {
            if (!(p[i] < kth)) {
                ids[o] = i;
                values[o++] = p[i];
            }
        }
        return new Candidates(n, ids, values);
    }

    public int size() { return ids.length; }
}
