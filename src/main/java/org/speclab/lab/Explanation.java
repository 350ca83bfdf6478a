package org.speclab.lab;

import org.speclab.decode.SpeculationStats;
import org.speclab.decode.SpeedupModel;

/**
 * What answers the seed's question for one run, in numbers: how many drafted tokens the target kept,
 * α and c, what a verify pass cost, the speedup Theorem 3.8 predicts from them and the one measured,
 * and what a step costs against what it yields. The CLI and the Run view only render it, each in
 * its words.
 *
 * @param speedup      the measured speedup over the repeats, {@link Spread#NONE} when none was measured
 * @param baseline     the target alone's tokens/s over the repeats
 * @param tooShortSeconds the runs' median length when a baseline was measured but the runs were too short to time, else NaN
 */
public record Explanation(String drafter, int k, boolean adaptiveK, long accepted, long drafted, double acceptanceRate, double alpha,
                          double costRatio, double verifyCost, double predicted, Spread speedup, Spread baseline, double tooShortSeconds) {

    /** The explanation of {@code o}'s representative repeat, or null when the run did not speculate. */
    public static Explanation of(Protocol.Outcome o, boolean baselineAsked) {
        Protocol.Sample rep = o.representative();
        if (rep == null || rep.speculation() == null) return null;
        SpeculationStats ss = rep.speculation();
        return new Explanation(ss.drafter(), ss.k(), ss.adaptiveK(), ss.accepted(), ss.drafted(), ss.acceptanceRate(), ss.alpha(), ss.costRatio(),
                ss.verifyCost(ss.k()), ss.predictedSpeedup(), o.speedup(), o.baseline(),
                baselineAsked && o.tooShort() && !o.stopped() ? o.seconds() : Double.NaN);
    }

    /** What one step costs, in target decode passes: k draft tokens and a verify pass. */
    public double stepCost() {
        return k * costRatio + verifyCost;
    }

    /** The tokens one step yields on average (Theorem 3.8's 1 + α + … + α^k). */
    public double stepYield() {
        return SpeedupModel.expectedTokensPerStep(Math.min(alpha, 0.999999), k);
    }

    /** Whether speculation is predicted to lose here. */
    public boolean loss() {
        return predicted < 1;
    }
}
