package org.speclab.decode;

import java.util.Arrays;

/**
 * A (warped) probability distribution over a vocabulary, held sparsely: ascending token ids with
 * their probabilities, every other token at 0. After top-k that is a few hundred entries instead of
 * the vocabulary, which is what lets a GPU hand back candidates instead of logits during speculative
 * sampling. Draws and sums visit the entries in id order, as they would the dense array, so results
 * are the same to the bit.
 */
public record Distribution(int vocab, int[] ids, float[] probs) {
    public Distribution {
        if (ids.length != probs.length) throw new IllegalArgumentException("ids and probabilities differ in length: " + ids.length + " vs " + probs.length);
    }

    /** The tokens of a dense distribution that have probability (or NaN, which the dense arrays carry along too). */
    public static Distribution of(float[] dense) {
        int m = 0;
        for (float v : dense) if (v != 0) m++;
        int[] ids = new int[m];
        float[] probs = new float[m];
        for (int i = 0, o = 0; i < dense.length; i++) {
            if (dense[i] != 0) {
                ids[o] = i;
                probs[o++] = dense[i];
            }
        }
        return new Distribution(dense.length, ids, probs);
    }

    /** The probability of {@code token}. */
    public float p(int token) {
        int i = Arrays.binarySearch(ids, token);
        return i >= 0 ? probs[i] : 0f;
    }

    /** Inverse-CDF draw, as {@link Sampler#sampleFrom} on the dense array. */
    public int sample(float coin) {
        float cdf = 0f;
        int lastNonZero = 0;
        for (int i = 0; i < ids.length; i++) {
            if (probs[i] > 0) lastNonZero = ids[i];
            cdf += probs[i];
            if (coin < cdf) return ids[i];
        }
        return lastNonZero; // rounding
    }
}
