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
        Transformer.requireNumbers(logits);
        float[] p = new float[n];
        for (int i = 0; i < n; i++) p[i] = logits[i] / temperature;
        float kth = kthLargest(p, k);
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

    /**
     * The k-th largest value of {@code a} (1 ≤ k ≤ a.length) in {@link Arrays#sort(float[])}'s order
     * (−0 before +0, NaN last): the value a sorted copy holds at index a.length − k, found by
     * selection in linear expected time instead of a sort (a vocabulary of 32,000 sorted per sampled
     * token cost a third of a millisecond). {@code a} is left as it was. A NaN result is the
     * canonical NaN (every comparison with any NaN is false alike).
     */
    public static float kthLargest(float[] a, int k) {
        if (k < 1 || k > a.length) throw new IllegalArgumentException("k " + k + " not in 1.." + a.length);
        if (k <= a.length / 16) return fromKey(smallK(a, k));
        // ints that order as Arrays.sort orders floats: NaNs made one, negatives' magnitude bits flipped
        int[] w = new int[a.length];
        for (int i = 0; i < a.length; i++) w[i] = key(a[i]);
        int target = w.length - k, lo = 0, hi = w.length - 1;
        int found = 0;
        boolean done = false;
        while (lo < hi) {
            // median of three as the pivot, then a three-way partition: ties never make it quadratic
            int mid = (lo + hi) >>> 1;
            int x = w[lo], y = w[mid], z = w[hi];
            int pivot = x < y ? (y < z ? y : Math.max(x, z)) : (x < z ? x : Math.max(y, z));
            int lt = lo, i = lo, gt = hi;
            while (i <= gt) {
                int v = w[i];
                if (v < pivot) {
                    w[i++] = w[lt];
                    w[lt++] = v;
                } else if (v > pivot) {
                    w[i] = w[gt];
                    w[gt--] = v;
                } else {
                    i++;
                }
            }
            if (target < lt) hi = lt - 1;
            else if (target > gt) lo = gt + 1;
            else {
                found = pivot;
                done = true;
                break;
            }
        }
        return fromKey(done ? found : w[target]);
    }

    private static int key(float v) {
        int bits = Float.floatToIntBits(v);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    private static float fromKey(int key) {
        return Float.intBitsToFloat(key ^ ((key >> 31) & 0x7fffffff));
    }

    /**
     * Small k (a sampler's top-k of a vocabulary): the k largest keys in a min-heap; most values are
     * turned away by one comparison with its root, which is at the end the k-th largest.
     */
    private static int smallK(float[] a, int k) {
        int[] heap = new int[k];
        for (int i = 0; i < k; i++) {
            int v = key(a[i]), c = i;
            while (c > 0 && heap[(c - 1) >> 1] > v) {
                heap[c] = heap[(c - 1) >> 1];
                c = (c - 1) >> 1;
            }
            heap[c] = v;
        }
        for (int i = k; i < a.length; i++) {
            int v = key(a[i]);
            if (v <= heap[0]) continue;
            int c = 0; // the root gives way: sift v down from it
            while (true) {
                int l = 2 * c + 1;
                if (l >= k) break;
                int m = l + 1 < k && heap[l + 1] < heap[l] ? l + 1 : l;
                if (heap[m] >= v) break;
                heap[c] = heap[m];
                c = m;
            }
            heap[c] = v;
        }
        return heap[0];
    }
}
