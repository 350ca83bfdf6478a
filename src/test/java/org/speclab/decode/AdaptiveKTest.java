package org.speclab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** -k auto against a verify cost that is a staircase, as the CPU kernels' is (positions served in groups). */
class AdaptiveKTest {
    private static VerifyCost staircase(int longest) {
        VerifyCost c = new VerifyCost();
        // one decode 1 s; up to five positions share the weights (+0.1 s each), a sixth starts a second group
        for (int positions = 1; positions <= longest; positions++) {
            double seconds = positions <= 5 ? 0.9 + 0.1 * positions : 2.4 + 0.1 * positions;
            for (int rep = 0; rep < 3; rep++) c.add(positions, seconds);
        }
        return c;
    }

    @Test
    void triesOnlyOneLengthPastWhatRanAndSeesTheStep() {
        // k = 1..4 tried (lengths 2..5): with α 0.95 and free drafts the next k is 5 (length 6), not 16
        assertEquals(5, SpeculativeDecoder.chooseK(0.95, 0.0, 1.0, staircase(5)));
        // once length 6 ran and cost a second group, k = 4 (five positions) is best again
        assertEquals(4, SpeculativeDecoder.chooseK(0.95, 0.0, 1.0, staircase(6)));
    }

    @Test
    void aDraftThatAgreesLessFurtherAheadGetsASmallerK() {
        // a verify of up to nine positions costs one decode; drafts cost 0.1 of one
        VerifyCost flat = new VerifyCost();
        for (int positions = 1; positions <= 9; positions++) for (int rep = 0; rep < 3; rep++) flat.add(positions, 1.0);
        // first tokens almost always kept, the third and later mostly not: α pooled over the run ≈ 0.67
        AcceptanceByDepth depths = new AcceptanceByDepth();
        double[] keep = {0.95, 0.9, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2};
        java.util.Random r = new java.util.Random(1);
        long rejected = 0, accepted = 0;
        for (int step = 0; step < 4000; step++) {
            int ok = 0;
            while (ok < 8 && r.nextDouble() < keep[ok]) ok++;
            depths.add(8, ok);
            if (ok < 8) rejected++;
            accepted += ok;
        }
        double alpha = (double) accepted / (accepted + rejected); // as SpeculationStats.alpha
        // the geometric model with the pooled α sees longer drafts paying; the depths say two
        int geometric = SpeculativeDecoder.chooseK(alpha, 0.1, 1.0, flat);
        assertTrue(geometric >= 3, "geometric " + geometric);
        int k = SpeculativeDecoder.chooseK(depths, alpha, 0.1, 1.0, flat);
        assertEquals(2, k, "α " + alpha);
        // and its expected yield at k = 2 is what the depths give: 1 + 0.95 + 0.95·0.9
        assertEquals(1 + 0.95 + 0.95 * 0.9, depths.expectedTokens(2, alpha), 0.03);
    }

    @Test
    void expensiveDraftsOrPoorAgreementPickSmallK() {
        assertEquals(1, SpeculativeDecoder.chooseK(0.3, 0.5, 1.0, staircase(5)));
    }

    @Test
    void anAdaptiveRunIsPricedAtTheKItDrafted() {
        long[] counts = new long[17];
        counts[2] = 10; // ten steps
        SpeculationStats auto = new SpeculationStats("d", 16, true, counts, 30, 20, 10, 0.0, 0.5, 0.1, 0.8, 1.0);
        SpeculationStats fixed = new SpeculationStats("d", 16, false, counts, 160, 20, 10, 0.0, 0.5, 0.1, 0.8, 1.0);
        // a drafter that proposed fewer than its k (n-gram lookup with no match) is priced at what it drafted
        SpeculationStats shortOfK = new SpeculationStats("d", 16, false, counts, 30, 20, 10, 0.0, 0.5, 0.1, 0.8, 1.0);
        assertEquals(3, auto.runK());
        assertEquals(16, fixed.runK());
        assertEquals(3, shortOfK.runK());
        assertEquals(auto.predictedSpeedup(3), auto.predictedSpeedup(), 1e-12);
        assertEquals(shortOfK.predictedSpeedup(3), shortOfK.predictedSpeedup(), 1e-12);
    }
}
