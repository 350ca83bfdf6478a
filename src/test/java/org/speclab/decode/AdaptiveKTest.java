package org.speclab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
