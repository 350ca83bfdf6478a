package org.speclab.decode;

/**
 * Time of a target pass over n positions, fitted as a + b·n by least squares over the passes seen.
 * Large models are memory-bound (b ≈ 0: verifying k+1 tokens costs one decode); tiny ones are
 * compute-bound (b dominates), which is why the same draft can help one target and hurt another.
 */
final class VerifyCost {
    private double n, sx, sy, sxx, sxy;
    /** Passes by length: their count and total seconds (lengths 1 .. MAX_K + 1). */
    private final double[] byLength = new double[SpeedupModel.MAX_K + 2];
    private final int[] countByLength = new int[SpeedupModel.MAX_K + 2];
    private int longest;

    void add(int positions, double seconds) {
        if (positions < byLength.length) {
            byLength[positions] += seconds;
            countByLength[positions]++;
        }
        longest = Math.max(longest, positions);
        n++;
        sx += positions;
        sy += seconds;
        sxx += (double) positions * positions;
        sxy += positions * seconds;
    }

    /** Seconds per token of pass length (0 until two different lengths were seen). */
    double perPosition() {
        double var = n * sxx - sx * sx;
        if (n < 2 || var <= 1e-9) return 0;
        return Math.max(0, (n * sxy - sx * sy) / var);
    }

    /** Fixed seconds per pass. */
    double fixed() {
        if (n == 0) return 0;
        return Math.max(1e-9, (sy - perPosition() * sx) / n);
    }

    double mean() {
        return n == 0 ? 0 : sy / n;
    }

    /** Predicted seconds of a pass over {@code positions} positions. */
    double seconds(int positions) {
        return fixed() + perPosition() * positions;
    }

    /**
     * Seconds of a pass over {@code positions}: the mean of the passes of that length where some
     * ran, the linear fit elsewhere. The kernels serve positions in groups (five per decoded weight,
     * eight in vector lanes), so the cost is a staircase that a line fitted to short passes misjudges.
     */
    double measured(int positions) {
        return positions < byLength.length && countByLength[positions] > 0 ? byLength[positions] / countByLength[positions] : seconds(positions);
    }

    /** The longest pass that ran. */
    int longest() { return longest; }
}
