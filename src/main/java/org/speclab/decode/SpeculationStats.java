package org.speclab.decode;

/**
 * What a speculative run measured, in the seed's terms: the histogram of accepted tokens per
 * step (gpt-fast's "Acceptance probs" and "Mean Accepted"), the acceptance rate α, the cost ratio
 * c and the speedup Theorem 3.8 predicts from them.
 *
 * @param acceptedCounts counts[i] = verify steps in which exactly i draft tokens were accepted
 * @param drafted        draft tokens proposed in all
 * @param accepted       draft tokens accepted in all
 * @param k              the fixed k, or the largest k used when adaptive
 * @param rejections     steps that ended in a rejected draft token
 * @param draftSecondsPerToken     measured cost of one drafted token
 * @param verifyFixedSeconds       target pass time fitted as fixed + perPosition × positions
 * @param verifyPerPositionSeconds (0 when memory-bound or not yet measurable)
 * @param verifyMeanSeconds        mean time of the verify passes actually run
 * @param measuredDecodeSeconds    seconds per token of the target alone (autoregressive), NaN when not measured
 */
public record SpeculationStats(String drafter, int k, boolean adaptiveK, long[] acceptedCounts, long drafted, long accepted,
                               long rejections, double draftSecondsPerToken, double verifyFixedSeconds, double verifyPerPositionSeconds,
                               double verifyMeanSeconds, double measuredDecodeSeconds) {
    public long steps() {
        long s = 0;
        for (long c : acceptedCounts) s += c;
        return s;
    }

    /** gpt-fast: counts normalised to probabilities. */
    public double[] acceptanceProbs() {
        double[] p = new double[acceptedCounts.length];
        long s = steps();
        for (int i = 0; i < p.length; i++) p[i] = s == 0 ? 0 : (double) acceptedCounts[i] / s;
        return p;
    }

    /** gpt-fast: Σ i·counts[i] / Σ counts[i], draft tokens accepted per verify step. */
    public double meanAccepted() {
        long s = steps(), w = 0;
        for (int i = 0; i < acceptedCounts.length; i++) w += i * acceptedCounts[i];
        return s == 0 ? 0 : (double) w / s;
    }

    /** Fraction of drafted tokens accepted (llama.cpp's "accept"). */
    public double acceptanceRate() {
        return drafted == 0 ? 0 : (double) accepted / drafted;
    }

    /**
     * α, the per-token acceptance probability of Theorem 3.8. A step stops at its first rejection, so
     * the tokens after it were never tried: α = accepted / (accepted + rejections).
     */
    public double alpha() {
        return accepted + rejections == 0 ? 0 : (double) accepted / (accepted + rejections);
    }

    /** Seconds of one target pass over one position: measured alone when a baseline ran, else from the fit. */
    public double decodeSeconds() {
        return Double.isNaN(measuredDecodeSeconds) ? verifyFixedSeconds + verifyPerPositionSeconds : measuredDecodeSeconds;
    }

    /** The same run, priced against the target's measured autoregressive cost per token. */
    public SpeculationStats withDecodeSeconds(double seconds) {
        return new SpeculationStats(drafter, k, adaptiveK, acceptedCounts, drafted, accepted, rejections, draftSecondsPerToken,
                verifyFixedSeconds, verifyPerPositionSeconds, verifyMeanSeconds, seconds);
    }

    /** c: one draft token's cost in target decode passes. */
    public double costRatio() {
        double d = decodeSeconds();
        return d <= 0 ? 0 : draftSecondsPerToken / d;
    }

    /** How many decode passes a verify pass over k+1 positions costs (1 when memory-bound). */
    public double verifyCost(int k) {
        double d = decodeSeconds();
        if (d <= 0) return 1;
        double fitAtK = verifyFixedSeconds + verifyPerPositionSeconds * (k + 1);
        // at the k this run used, the measured mean; elsewhere the fit, scaled to agree with it
        double fitAtRun = verifyFixedSeconds + verifyPerPositionSeconds * (runK() + 1);
        double atK = verifyMeanSeconds > 0 && fitAtRun > 0 ? verifyMeanSeconds * fitAtK / fitAtRun : fitAtK;
        return atK / d;
    }

    /** Theorem 3.8 with the verify pass priced as measured: E[tokens per step] / (k·c + verify cost). */
    public double predictedSpeedup() {
        return predictedSpeedup(runK());
    }

    /**
     * The k the run drafted: the fixed k, or the mean tokens drafted per step where that is fewer:
     * with -k auto (k is then the largest used) and with drafters that propose fewer than k tokens
     * when they have nothing better (n-gram lookup: nothing when no n-gram matches). Pricing every
     * step as if it drafted k made those predictions read high (16–45% for n-gram lookup in a sweep).
     */
    int runK() {
        long steps = steps();
        if (steps == 0) return Math.max(1, k);
        int mean = (int) Math.max(1, Math.round((double) drafted / steps));
        return adaptiveK ? mean : Math.max(1, Math.min(k, mean));
    }

    public double predictedSpeedup(int k) {
        double a = Math.min(alpha(), 0.999999);
        return SpeedupModel.expectedTokensPerStep(a, k) / (k * costRatio() + verifyCost(k));
    }
}
