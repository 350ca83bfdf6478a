package org.speclab.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs repeated with one setting, as the Experiments chart draws them: one point at the median
 * tokens/s, a bar from the slowest run to the fastest. A setting is the target and its weights, the
 * drafter with its file and weights, k, temperature, device and prompt; the table keeps every run.
 * Runs stopped with Stop are counted but left out of the figures: they timed a shorter generation,
 * mostly its start, so they would widen the bar with a different measurement, not with noise.
 * Cells that did not fit in memory never ran and are left out altogether.
 */
public final class RepeatedRuns {
    /** What a run's stop reason says when Stop ended it (Generator and SpeculativeDecoder). */
    public static final String STOPPED = "cancelled";

    public record Setting(String model, String quantization, String drafter, String draftQuantization, Integer k,
                          double temperature, String device, String prompt) {
        static Setting of(Experiment e) {
            return new Setting(e.model(), e.modelQuantization(), e.draftModel(), e.draftQuantization(), e.speculateK(),
                    e.temperature(), e.device(), e.prompt());
        }
    }

    /** One setting's runs: those the figures use and how many were stopped. */
    public record Group(Setting setting, List<Experiment> counted, int stopped) {
        public double median() { return median(counted.stream().mapToDouble(Experiment::tokensPerSec).toArray()); }

        /** The slowest run (a record measured several times counts with its own slowest repeat). */
        public double min() {
            return counted.stream().mapToDouble(e -> e.tokensPerSecMin() != null ? e.tokensPerSecMin() : e.tokensPerSec()).min().orElse(Double.NaN);
        }

        public double max() {
            return counted.stream().mapToDouble(e -> e.tokensPerSecMax() != null ? e.tokensPerSecMax() : e.tokensPerSec()).max().orElse(Double.NaN);
        }

        /**
         * The median of what Theorem 3.8 predicted for these runs, in tokens/s: each run's target-alone
         * rate (as measured beside it; in older records tokens/s ÷ measured speedup) times its predicted
         * speedup. Null when no run has both.
         */
        public Double predictedTokensPerSec() {
            double[] p = counted.stream().filter(e -> e.predictedSpeedup() != null && alone(e) != null)
                    .mapToDouble(e -> alone(e) * e.predictedSpeedup()).toArray();
            return p.length == 0 ? null : median(p);
        }

        private static Double alone(Experiment e) {
            if (e.baselineTokensPerSec() != null) return e.baselineTokensPerSec();
            return e.measuredSpeedup() != null && e.measuredSpeedup() > 0 ? e.tokensPerSec() / e.measuredSpeedup() : null;
        }

        static double median(double[] v) {
            if (v.length == 0) return Double.NaN;
            double[] s = v.clone();
            Arrays.sort(s);
            int m = s.length / 2;
            return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
        }
    }

    private RepeatedRuns() {}

    public static boolean stopped(Experiment e) {
        return STOPPED.equals(e.stopReason());
    }

    /** The settings in the order they first appear; a setting whose runs were all stopped has no counted runs. */
    public static List<Group> of(List<Experiment> runs) {
        Map<Setting, List<Experiment>> counted = new LinkedHashMap<>();
        Map<Setting, Integer> stopped = new LinkedHashMap<>();
        for (Experiment e : runs) {
            if (Objects.equals(Sweep.OUT_OF_MEMORY, e.stopReason())) continue; // not run
            Setting s = Setting.of(e);
            List<Experiment> list = counted.computeIfAbsent(s, x -> new ArrayList<>());
            if (stopped(e)) stopped.merge(s, 1, Integer::sum);
            else list.add(e);
        }
        List<Group> out = new ArrayList<>();
        for (var g : counted.entrySet()) out.add(new Group(g.getKey(), List.copyOf(g.getValue()), stopped.getOrDefault(g.getKey(), 0)));
        return out;
    }
}
