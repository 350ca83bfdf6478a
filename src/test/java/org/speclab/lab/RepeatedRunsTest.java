package org.speclab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.speclab.lab.TestRuns.run;

import java.util.List;
import org.junit.jupiter.api.Test;

class RepeatedRunsTest {
    private static final String NGRAM = "n-gram lookup (n ≤ 3)";

    @Test
    void threeRunsOfOneSettingAreOneGroupAtTheirMedianSpanningMinToMax() {
        List<RepeatedRuns.Group> groups = RepeatedRuns.of(List.of(run(NGRAM, 4, 100, "length"), run(NGRAM, 4, 90, "length"),
                run(NGRAM, 4, 170, "eos")));
        assertEquals(1, groups.size());
        RepeatedRuns.Group g = groups.getFirst();
        assertEquals(3, g.counted().size());
        assertEquals(100, g.median(), "the median, not the mean (120)");
        assertEquals(90, g.min());
        assertEquals(170, g.max());
        // each run predicted 1.5× its own target-alone rate (tps / measured = 100): 150 tokens/s
        assertEquals(150, g.predictedTokensPerSec(), 1e-9);
    }

    @Test
    void anEvenNumberOfRunsHasTheMeanOfTheMiddleTwoAsMedian() {
        var g = RepeatedRuns.of(List.of(run(NGRAM, 4, 10, "length"), run(NGRAM, 4, 100, "length"), run(NGRAM, 4, 20, "length"),
                run(NGRAM, 4, 30, "length"))).getFirst();
        assertEquals(25, g.median(), "the mean of 20 and 30, not of all (40)");
    }

    @Test
    void eachPartOfTheSettingSeparatesGroups() {
        Experiment a = run(NGRAM, 4, 100, "length");
        List<Experiment> others = List.of(
                run("stories260K", "stories-draft", "Q8_0", 4, 0, "Once", 100, "length"),
                run("stories260K", "stories-draft", "F16", 4, 0, "Once", 100, "length"), // same draft file, other weights
                run(NGRAM, 5, 100, "length"),
                run("stories260K", NGRAM, null, 4, 0.8, "Once", 100, "length"),
                run("stories15M", NGRAM, null, 4, 0, "Once", 100, "length"),
                run("stories260K", NGRAM, null, 4, 0, "Lily", 100, "length"),
                run(null, null, 100, "length"));
        var all = new java.util.ArrayList<>(List.of(a));
        all.addAll(others);
        assertEquals(all.size(), RepeatedRuns.of(all).size());
    }

    @Test
    void stoppedRunsAreCountedButLeftOutOfTheFiguresAndUnrunCellsLeftOutAltogether() {
        var groups = RepeatedRuns.of(List.of(run(NGRAM, 4, 100, "length"), run(NGRAM, 4, 5, RepeatedRuns.STOPPED),
                run(NGRAM, 4, 0, Sweep.OUT_OF_MEMORY), run(NGRAM, 2, 7, RepeatedRuns.STOPPED)));
        assertEquals(2, groups.size());
        var k4 = groups.getFirst();
        assertEquals(1, k4.counted().size());
        assertEquals(1, k4.stopped());
        assertEquals(100, k4.min());
        assertEquals(100, k4.max());
        var k2 = groups.get(1);
        assertTrue(k2.counted().isEmpty());
        assertEquals(1, k2.stopped());
    }

    @Test
    void runsWithoutASpeedupPredictNothing() {
        assertNull(RepeatedRuns.of(List.of(run(null, null, 100, "length"))).getFirst().predictedTokensPerSec());
    }
}
