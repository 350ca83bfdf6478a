package org.speclab.decode;

/**
 * Leviathan et al. (2023), Theorem 3.8: with acceptance rate α (each draft token accepted
 * independently with probability α) and cost ratio c (one draft token costs c target passes), k
 * drafted tokens per step give an expected speedup of (1 − α^(k+1)) / ((1 − α)(k·c + 1)).
 * Below 1 speculation is a loss: the draft costs more than its accepted tokens save.
 */
public final class SpeedupModel {
    public static final int MIN_K = 1, MAX_K = 16;

    private SpeedupModel() {}

    /** Expected tokens per verify step: 1 + α + α² + … + α^k. */
    public static double expectedTokensPerStep(double alpha, int k) {
        if (alpha >= 1) return k + 1;
        return (1 - Math.pow(alpha, k + 1)) / (1 - alpha);
    }

    public static double speedup(double alpha, double c, int k) {
        return expectedTokensPerStep(alpha, k) / (k * c + 1);
    }

    /** The k in [1, 16] with the highest predicted speedup. */
    public static int bestK(double alpha, double c) {
        int best = MIN_K;
        for (int k = MIN_K + 1; k <= MAX_K; k++) if (speedup(alpha, c, k) > speedup(alpha, c, best)) best = k;
        return best;
    }
}
