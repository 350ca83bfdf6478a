package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class VerifyTimingTest {
    /** A machine on which a decode step right after a verify pass is slow for three steps (5 ms, then 1 ms). */
    private static final class ColdAfterVerify {
        int sinceVerify = Integer.MAX_VALUE / 2, decodes, verifies;

        long decode() {
            decodes++;
            return sinceVerify++ < 3 ? 5_000_000 : 1_000_000;
        }

        long verify() {
            verifies++;
            sinceVerify = 0;
            return 3_000_000;
        }
    }

    @Test
    void aDecodeStepIsTimedAsInARunNotRightAfterAVerifyPass() {
        ColdAfterVerify m = new ColdAfterVerify();
        VerifyTiming.Result r = VerifyTiming.measure(m::decode, m::verify, 3, 8, 0);
        assertEquals(1.0, r.decodeMillis(), 1e-9);
        assertEquals(3.0, r.verifyMillis(), 1e-9);
        assertEquals(3.0, r.ratio(), 1e-9); // timed in pairs: 3 / 5 = 0.6
        assertEquals(24, m.decodes);
        assertEquals(24, m.verifies);
    }

    @Test
    void aBlockLastsItsTimeAndItsFirstHalfIsLeftOut() {
        int[] calls = {0};
        // a decode block: 9, 9, 1 and 1 ms make its 20 ms; the later half counts
        VerifyTiming.Result r = VerifyTiming.measure(() -> calls[0]++ % 100 < 2 ? 9_000_000 : 1_000_000, () -> {
            calls[0] = 0;
            return 2_000_000;
        }, 2, 2, 20_000_000);
        assertEquals(1.0, r.decodeMillis(), 1e-9);
        assertEquals(2.0, r.verifyMillis(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> VerifyTiming.measure(() -> 1, () -> 1, 0, 2, 0));
    }
}
