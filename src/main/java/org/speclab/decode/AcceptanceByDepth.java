package org.speclab.decode;

/**
 * How often the i-th draft token of a step is accepted once the ones before it were. Theorem 3.8
 * assumes one rate α for every depth; real drafters agree less the further ahead they guess (a
 * distilled draft may keep 0.9 of its first tokens and 0.5 of its fifth), so the geometric model
 * overrates long drafts and -k auto would pick too large a k. Each depth's rate is shrunk toward the
 * depth before it (toward α for the first), so a depth seen a few times, or never, borrows from the
 * nearest one seen.
 */
final class AcceptanceByDepth {
    /** Pseudo-steps of the prior each depth's rate is shrunk with. */
    private static final double PRIOR_STEPS = 4;

    private final long[] reached = new long[SpeedupModel.MAX_K + 2], accepted = new long[SpeedupModel.MAX_K + 2];

    /** A step that drafted {@code drafted} tokens of which the first {@code ok} were accepted. */
    void add(int drafted, int ok) {
        for (int i = 1; i <= Math.min(drafted, ok + 1) && i < reached.length; i++) reached[i]++;
        for (int i = 1; i <= ok && i < accepted.length; i++) accepted[i]++;
    }

    /** The rate at depths 1..k (index 0 unused), given the pooled rate α of the run so far. */
    double[] rates(int k, double alpha) {
        double[] a = new double[k + 1];
        double prior = alpha;
        for (int i = 1; i <= k; i++) {
            double r = i < reached.length ? (accepted[i] + PRIOR_STEPS * prior) / (reached[i] + PRIOR_STEPS) : prior;
            a[i] = Math.min(r, 0.999999);
            prior = a[i];
        }
        return a;
    }

    /** Expected tokens a step yields when k are drafted: 1 + a₁ + a₁a₂ + … + a₁⋯a_k. */
    double expectedTokens(int k, double alpha) {
        double[] a = rates(k, alpha);
        double sum = 1, keep = 1;
        for (int i = 1; i <= k; i++) {
            keep *= a[i];
            sum += keep;
        }
        return sum;
    }
}
