package org.speclab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.GenerationStats;
import org.speclab.decode.TokenKind;

/** The one way runs are measured: warm-up, repeats beside the target alone in alternating order, medians and ranges. */
class ProtocolTest {
    static LoadedModel model;

    @BeforeAll
    static void load() {
        model = LoadedModel.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null, 1);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static Protocol.Setup setup(int repeats, boolean baseline, boolean warmUp) {
        return new Protocol.Setup(model.prompt("Once upon a time", false, null), 20, 0f, 40, 1f, 7, repeats, baseline, warmUp);
    }

    @Test
    void speculativeRunsAlternateWithTheTargetAloneAfterAWarmUp() {
        List<String> phases = new ArrayList<>();
        var drafter = new DrafterChoice.NGram(2).build(model.transformer(), null, 64);
        Protocol.Outcome o = Protocol.run(model.transformer(), model.tokenizer(), drafter, 4, false, setup(4, true, true), new Protocol.Observer() {
            @Override
            public void phase(Protocol.Phase p, int repeat, int repeats) { phases.add(p + " " + repeat); }
        });
        assertEquals(List.of("WARM_UP 0", "BASELINE 0", "RUN 0", "RUN 1", "BASELINE 1", "BASELINE 2", "RUN 2", "RUN 3", "BASELINE 3"), phases);
        assertEquals(4, o.samples().size());
        for (Protocol.Sample s : o.samples()) {
            assertTrue(s.baseline() != null && s.speculation() != null);
            // greedy: every repeat and every baseline makes the same 20 tokens
            assertEquals(20, s.stats().newTokens());
            assertEquals(20, s.baseline().newTokens());
            // the verify cost is counted in decode passes of the run's own baseline
            assertEquals(s.baseline().decodeNanos() / 1e9 / s.baseline().forwardPasses(), s.speculation().decodeSeconds(), 1e-12);
        }
        Spread tps = o.tokensPerSecond();
        assertEquals(4, tps.n());
        assertTrue(tps.min() <= tps.median() && tps.median() <= tps.max());
        // 20 tokens of a 260K model take milliseconds: far too short to time, so no speedup is claimed
        assertTrue(o.tooShort());
        assertFalse(o.speedup().present());
        assertEquals(4, o.baseline().n());
    }

    @Test
    void theTargetAloneHasNoBaselineAndOnlyTheShownRepeatStreams() {
        int[] streamed = new int[2];
        Protocol.Outcome o = Protocol.run(model.transformer(), model.tokenizer(), null, 1, false, setup(2, true, false), new Protocol.Observer() {
            @Override
            public GenerationListener listener(int repeat) {
                return new GenerationListener() {
                    @Override
                    public void token(int id, String text, TokenKind kind) { if (kind != TokenKind.PROMPT) streamed[repeat]++; }
                };
            }
        });
        assertEquals(2, o.samples().size());
        assertNull(o.samples().get(0).baseline());
        assertNull(o.samples().get(0).speculation());
        assertEquals(20, streamed[0]);
        assertEquals(20, streamed[1]);
        assertFalse(o.baseline().present());
    }

    @Test
    void stoppingDuringTheWarmUpMeasuresNothing() {
        var drafter = new DrafterChoice.NGram(2).build(model.transformer(), null, 64);
        Protocol.Outcome o = Protocol.run(model.transformer(), model.tokenizer(), drafter, 4, false, setup(3, true, true), new Protocol.Observer() {
            @Override
            public boolean cancelled() { return true; }
        });
        assertTrue(o.samples().isEmpty());
        assertTrue(o.stopped());
        assertNull(o.representative());
    }

    @Test
    void aRepeatStoppedBeforeItsFirstTokenMeasuresNothing() {
        var drafter = new DrafterChoice.NGram(2).build(model.transformer(), null, 64);
        boolean[] measuring = new boolean[1];
        // Stop pressed as the measured run begins: the first look (before the prompt is read) sees it
        Protocol.Outcome o = Protocol.run(model.transformer(), model.tokenizer(), drafter, 4, false, setup(3, true, true), new Protocol.Observer() {
            @Override
            public void phase(Protocol.Phase phase, int repeat, int repeats) {
                measuring[0] |= phase == Protocol.Phase.RUN;
            }

            @Override
            public GenerationListener listener(int repeat) {
                return new GenerationListener() {
                    @Override
                    public boolean cancelled() { return measuring[0]; }
                };
            }

            @Override
            public boolean cancelled() { return measuring[0]; }
        });
        assertTrue(o.samples().isEmpty(), o.samples().toString());
        assertTrue(o.stopped());
    }

    @Test
    void aRunOfOverASecondGetsItsSpeedupAsTheMedianOfItsPairs() {
        // figures made up so that the median of the ratios differs from the ratio of the medians
        var o = new Protocol.Outcome(List.of(sample(100, 2.0, 50), sample(90, 2.2, 60), sample(120, 1.5, 40)));
        assertFalse(o.tooShort());
        Spread s = o.speedup();
        assertEquals(3, s.n());
        assertEquals(2.0, s.median(), 1e-9);  // 100/50, 90/60 = 1.5, 120/40 = 3
        assertEquals(1.5, s.min(), 1e-9);
        assertEquals(3.0, s.max(), 1e-9);
        assertEquals(100, o.tokensPerSecond().median(), 1e-9);
        assertEquals(100, o.representative().tokensPerSecond(), 1e-9);
        var who = new Protocol.Subject("t", "F16", "n-gram 2", null, "cpu (1 thread)", 2_000_000_000L, 1_000_000_000L);
        Experiment e = Protocol.record(who, new Protocol.Setup(new int[] {1}, 200, 0f, 40, 1f, 3, 3, true, true), o, 4, "p");
        assertEquals(3, e.repeats());
        assertEquals(90, e.tokensPerSecMin(), 1e-9);
        assertEquals(120, e.tokensPerSecMax(), 1e-9);
        assertEquals(2.0, e.measuredSpeedup(), 1e-9);
        assertEquals(1.5, e.measuredSpeedupMin(), 1e-9);
        assertEquals(50, e.baselineTokensPerSec(), 1e-9);
        assertEquals(2.0, e.memoryGb(), 1e-9);
        assertEquals(100, e.bandwidthGbs(), 1e-9); // 1 GB of weights × 100 tokens/s
    }

    /** A finished 200-token repeat at {@code tps} lasting {@code seconds}, beside a baseline at {@code baseTps}. */
    private static Protocol.Sample sample(double tps, double seconds, double baseTps) {
        long nanos = (long) (seconds * 1e9);
        int tokens = (int) Math.round(tps * seconds);
        var st = new GenerationStats(1, tokens, 0, nanos, 0, tokens, "length");
        long baseNanos = (long) (tokens / baseTps * 1e9);
        var base = new GenerationStats(1, tokens, 0, baseNanos, 0, tokens, "length");
        var ss = new org.speclab.decode.SpeculationStats("n-gram", 4, false, new long[] {1, 1, 1, 1, 1}, 8, 4, 0, 0, 0, 0, 0, Double.NaN);
        return new Protocol.Sample(st, ss, base);
    }

    @Test
    void spreadsAreMediansAndRangesIgnoringMissingValues() {
        Spread s = Spread.of(3, Double.NaN, 1, 2, 10);
        assertEquals(4, s.n());
        assertEquals(2.5, s.median(), 1e-12);
        assertEquals(1, s.min(), 1e-12);
        assertEquals(10, s.max(), 1e-12);
        assertEquals("2.5 (1.0–10.0, 4 runs)", s.format("%.1f", "runs"));
        assertEquals("7.00", Spread.of(7).format("%.2f", "runs"));
        assertFalse(Spread.of(Double.NaN).present());
    }
}
