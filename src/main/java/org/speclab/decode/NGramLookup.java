package org.speclab.decode;

/**
 * Draft-free prompt lookup: find the most recent earlier occurrence of the last n tokens (longest n
 * first, n ≤ maxN) in prompt + output, and propose the tokens that followed it there. Costs
 * nothing to run; pays off on repetitive text (code, summaries, stories that repeat phrases).
 */
public final class NGramLookup implements Drafter {
    private final int maxN;

    public NGramLookup(int maxN) {
        if (maxN < 1) throw new IllegalArgumentException("--draft-ngram must be ≥ 1, found " + maxN);
        this.maxN = maxN;
    }

    @Override
    public Proposal propose(int[] context, int length, int k, Sampler sampler) {
        for (int n = Math.min(maxN, length - 1); n >= 1; n--) {
            // most recent match of context[length-n .. length) that ends before the suffix itself
            for (int start = length - n - 1; start >= 0; start--) {
                if (matches(context, start, length - n, n)) {
                    int from = start + n;
                    int m = Math.min(k, length - from);
                    if (m <= 0) continue;
                    int[] out = new int[m];
                    System.arraycopy(context, from, out, 0, m);
                    return new Proposal(out, null);
                }
            }
        }
        return Proposal.EMPTY;
    }

    private static boolean matches(int[] a, int i, int j, int n) {
        for (int x = 0; x < n; x++) if (a[i + x] != a[j + x]) return false;
        return true;
    }

    @Override
    public String describe() { return "n-gram lookup (n ≤ " + maxN + ")"; }
}
