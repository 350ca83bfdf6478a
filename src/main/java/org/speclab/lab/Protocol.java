package org.speclab.lab;

import java.util.ArrayList;
import java.util.List;
import org.speclab.decode.Drafter;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.GenerationStats;
import org.speclab.decode.Generator;
import org.speclab.decode.Sampler;
import org.speclab.decode.SpeculationStats;
import org.speclab.decode.SpeculativeDecoder;
import org.speclab.engine.Transformer;
import org.speclab.tokenizer.Tokenizer;

/**
 * How SpecLab measures a run, the same in the CLI, the Run view and a sweep:
 * <ol>
 * <li>warm-up: each path (speculative and target alone) runs untimed for {@link #WARM_UP_SECONDS}
 *     (a long run is cut, a short one repeated), so the JIT compiles before anything is timed and
 *     neither path pays for it;</li>
 * <li>{@code repeats} speculative runs, each beside a run of the target alone with the same prompt,
 *     sampler and seed, in alternating order (the target first, then the speculative run first, …),
 *     so a machine whose speed drifts over minutes drifts for both;</li>
 * <li>each figure is reported as the median and range over the repeats ({@link Spread}); the speedup
 *     of a repeat is its speculative tokens/s over its own pair's baseline.</li>
 * </ol>
 * A run whose median generation takes less than {@link #minTimedSeconds()} (0.5 s) gets no measured
 * speedup: it times the scheduler as much as the engine and would not repeat within 10% (runs of
 * 0.8 s measured 3.04–3.19× in three invocations here; runs of a few hundredths of a second 0.13–0.46×).
 */
public final class Protocol {
    private Protocol() {}

    /**
     * Seconds each path (speculative, target alone) is run before anything is timed; the first run
     * of the process warms up for {@link #FIRST_WARM_UP_SECONDS}, while the JIT compiles the engine
     * (in a freshly opened lab, a first run of 0.2 s repeats measured its slowest repeat at a fifth of
     * the later ones' speed after 0.5 s).
     */
    public static final double WARM_UP_SECONDS = 0.5, FIRST_WARM_UP_SECONDS = 1.0;

    private static volatile boolean warmedBefore;

    /**
     * Runs shorter than this many seconds get no measured speedup: 0.5, or the system property
     * {@code speclab.timing.minSeconds} (tests on tiny models set 0 to see the arithmetic end to end).
     */
    public static double minTimedSeconds() {
        return Double.parseDouble(System.getProperty("speclab.timing.minSeconds", "0.5"));
    }

    /** The prompt's ids, the new tokens to generate (≥ 1), the sampler's settings and how to measure. */
    public record Setup(int[] prompt, int newTokens, float temperature, int topK, float topP, long seed, int repeats, boolean baseline,
                        boolean warmUp) {
        public Setup {
            if (newTokens < 1) throw new IllegalArgumentException("new tokens must be ≥ 1, found " + newTokens);
            if (repeats < 1) throw new IllegalArgumentException("repeats must be ≥ 1, found " + repeats);
        }

        Sampler sampler(int repeat) {
            return new Sampler(temperature, topK, topP, seed + repeat);
        }
    }

    /** One repeat: the run measured, its speculation figures (null without a drafter) and the paired run of the target alone (or null). */
    public record Sample(GenerationStats stats, SpeculationStats speculation, GenerationStats baseline) {
        public double tokensPerSecond() { return stats.tokensPerSecond(); }

        public double baselineTokensPerSecond() { return baseline == null ? Double.NaN : baseline.tokensPerSecond(); }

        public double speedup() { return tokensPerSecond() / baselineTokensPerSecond(); }

        public boolean stopped() { return "cancelled".equals(stats.stopReason()); }
    }

    /** What is being done now, for progress lines: the warm-up, the {@code i}-th of {@code n} baseline or measured runs. */
    public enum Phase { WARM_UP, BASELINE, RUN }

    /** Sees the runs as they happen: where repeat {@code i}'s tokens go, when each phase starts and ends, and whether to stop. */
    public interface Observer {
        default GenerationListener listener(int repeat) { return GenerationListener.NONE; }

        default void phase(Phase phase, int repeat, int repeats) {}

        default void sampleDone(int repeat, Sample sample) {}

        default boolean cancelled() { return false; }
    }

    /** The repeats run (fewer when stopped; the last may be cut short) and the figures over them. */
    public record Outcome(List<Sample> samples) {
        /** Repeats that ran to their end (stopped ones time less than a whole run). */
        public List<Sample> complete() {
            return samples.stream().filter(s -> !s.stopped()).toList();
        }

        public boolean stopped() {
            return samples.isEmpty() || samples.getLast().stopped();
        }

        public Spread tokensPerSecond() {
            List<Sample> c = complete();
            return Spread.of((c.isEmpty() ? samples : c).stream().mapToDouble(Sample::tokensPerSecond).toArray());
        }

        public Spread baseline() {
            return Spread.of(complete().stream().mapToDouble(Sample::baselineTokensPerSecond).toArray());
        }

        /** The median generation time of the complete repeats, seconds. */
        public double seconds() {
            return Spread.of(complete().stream().mapToDouble(s -> s.stats().totalSeconds()).toArray()).median();
        }

        public boolean tooShort() {
            double s = seconds();
            return Double.isNaN(s) || s < minTimedSeconds();
        }

        /** The measured speedup over complete pairs; none for runs too short to time, or without a baseline. */
        public Spread speedup() {
            if (tooShort()) return Spread.NONE;
            return Spread.of(complete().stream().filter(s -> s.baseline() != null).mapToDouble(Sample::speedup).toArray());
        }

        /**
         * The repeat that stands for the run in a single record: the one with the median tokens/s
         * among the complete ones (its acceptance, α and c go into the record), else the last.
         */
        public Sample representative() {
            List<Sample> c = new ArrayList<>(complete());
            if (c.isEmpty()) return samples.isEmpty() ? null : samples.getLast();
            c.sort(java.util.Comparator.comparingDouble(Sample::tokensPerSecond));
            return c.get((c.size() - 1) / 2);
        }
    }

    /**
     * What was run, as records name it: the target (by file, see {@link org.speclab.model.ModelFile#stem}) and its weight type,
     * the drafter's label and the draft's weight type (null without), where it ran, the memory the
     * run's models hold and the bytes of target weights one pass reads (bandwidth = that × tokens/s,
     * as gpt-fast computes it).
     */
    public record Subject(String model, String modelType, String drafter, String draftType, String device, long memoryBytes, long weightBytes) {}

    /** The record of a whole run: medians and ranges over its repeats, the representative repeat's acceptance figures. */
    public static Experiment record(Subject who, Setup setup, Outcome o, Integer k, String prompt) {
        Sample r = o.representative();
        Spread tps = o.tokensPerSecond(), speedup = o.speedup(), base = o.baseline();
        return record(who, setup, r, tps.median(), speedup.median(), 1, setup.seed(), prompt, k, null, o.samples().size(),
                tps, base, speedup);
    }

    /** The record of repeat {@code repeat} alone (the CLI's {@code --json}, one line per sample). */
    public static Experiment record(Subject who, Setup setup, Sample s, int repeat, Integer k, String prompt, String text) {
        Spread speedup = s.stats().totalSeconds() < minTimedSeconds() ? Spread.NONE : Spread.of(s.speedup());
        return record(who, setup, s, s.tokensPerSecond(), speedup.median(), repeat + 1, setup.seed() + repeat, prompt, k, text, null,
                null, null, null);
    }

    private static Experiment record(Subject who, Setup setup, Sample s, double tps, double speedup, int sampleNo, long seed, String prompt,
                                     Integer k, String text, Integer repeats, Spread tpsSpread, Spread base, Spread speedupSpread) {
        SpeculationStats ss = s == null ? null : s.speculation();
        GenerationStats st = s == null ? null : s.stats();
        boolean spec = ss != null;
        return new Experiment(who.drafter(), who.draftType(), spec ? k : null, who.model(), who.modelType(), who.device(), 1, prompt,
                Double.isNaN(tps) ? 0 : tps, who.memoryBytes() / 1e9, Double.isNaN(tps) ? 0 : who.weightBytes() * tps / 1e9,
                spec ? ss.meanAccepted() : null, setup.newTokens(), repeats == null ? 1 : repeats, setup.temperature(),
                org.speclab.Version.get(), spec ? ss.alpha() : null, spec ? ss.costRatio() : null, spec ? ss.predictedSpeedup() : null,
                spec && !Double.isNaN(speedup) ? speedup : null, spec ? ss.acceptedCounts() : null, sampleNo, seed, setup.topK(),
                setup.topP(), st == null ? 0 : st.newTokens(), st == null ? "cancelled" : st.stopReason(), text, repeats,
                orNull(tpsSpread, Spread::min), orNull(tpsSpread, Spread::max), orNull(base, Spread::median),
                spec ? orNull(speedupSpread, Spread::min) : null, spec ? orNull(speedupSpread, Spread::max) : null);
    }

    private static Double orNull(Spread s, java.util.function.ToDoubleFunction<Spread> f) {
        return s == null || !s.present() ? null : f.applyAsDouble(s);
    }

    /**
     * Runs {@code setup} on {@code target}: with {@code drafter} (k draft tokens per step, or adaptive
     * k up to it) speculatively, else autoregressively. Stops between runs, and inside one, when the
     * observer says so.
     */
    public static Outcome run(Transformer target, Tokenizer tokenizer, Drafter drafter, int k, boolean adaptive, Setup setup, Observer observer) {
        Generator plain = new Generator(target, tokenizer);
        SpeculativeDecoder spec = drafter == null ? null : new SpeculativeDecoder(target, tokenizer, drafter, k, adaptive);
        boolean baseline = setup.baseline() && spec != null;
        GenerationListener quiet = stopOnly(observer);
        // the last new token is printed, never fed back: the decoders count the positions after the prompt
        int positions = setup.newTokens() - 1;
        if (setup.warmUp()) {
            observer.phase(Phase.WARM_UP, 0, setup.repeats());
            double seconds = warmedBefore ? WARM_UP_SECONDS : FIRST_WARM_UP_SECONDS;
            warmedBefore = true;
            if (spec != null) warmUp(observer, seconds, l -> spec.generate(setup.prompt(), positions, setup.sampler(0), l));
            if (spec == null || baseline) warmUp(observer, seconds, l -> plain.generate(setup.prompt(), positions, setup.sampler(0), l));
        }
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < setup.repeats() && !observer.cancelled(); i++) {
            GenerationStats base = null;
            // the target alone first on even repeats: the first repeat (the one a view streams) starts
            // once everything it is compared with has been measured once
            boolean baseFirst = baseline && i % 2 == 0;
            if (baseFirst) {
                observer.phase(Phase.BASELINE, i, setup.repeats());
                base = plain.generate(setup.prompt(), positions, setup.sampler(i), quiet);
                if (observer.cancelled()) break;
            }
            observer.phase(Phase.RUN, i, setup.repeats());
            GenerationListener shown = observer.listener(i);
            GenerationStats stats;
            SpeculationStats ss = null;
            if (spec == null) {
                stats = plain.generate(setup.prompt(), positions, setup.sampler(i), shown);
            } else {
                SpeculativeDecoder.Result r = spec.generate(setup.prompt(), positions, setup.sampler(i), shown);
                stats = r.stats();
                ss = r.speculation();
            }
            // stopped before its first new token (while the prompt was read, or the first draft made): it measured
            // nothing, as a repeat stopped before it began; a record of it would show 0 tokens/s and an α of 0
            if ("cancelled".equals(stats.stopReason()) && stats.newTokens() == 0) break;
            if (baseline && !baseFirst && !"cancelled".equals(stats.stopReason()) && !observer.cancelled()) {
                observer.phase(Phase.BASELINE, i, setup.repeats());
                base = plain.generate(setup.prompt(), positions, setup.sampler(i), quiet);
                if ("cancelled".equals(base.stopReason())) base = null;
            }
            // a verify pass's cost is counted in decode passes of the target alone, timed beside it
            if (ss != null && base != null && base.forwardPasses() > 0) ss = ss.withDecodeSeconds(base.decodeNanos() / 1e9 / base.forwardPasses());
            Sample s = new Sample(stats, ss, base);
            samples.add(s);
            observer.sampleDone(i, s);
        }
        return new Outcome(samples);
    }

    /**
     * Runs {@code run} quietly for {@code seconds}: cut at the next forward pass when a run is
     * longer, run again when it is shorter (a tiny model's whole run takes milliseconds, too little for
     * the JIT to finish compiling).
     */
    private static void warmUp(Observer o, double seconds, java.util.function.Consumer<GenerationListener> run) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        GenerationListener l = new GenerationListener() {
            @Override
            public boolean cancelled() { return o.cancelled() || System.nanoTime() > end; }
        };
        while (!l.cancelled()) run.accept(l);
    }

    /** Shows nothing but still stops when asked: Stop must not wait for a warm-up or a baseline. */
    private static GenerationListener stopOnly(Observer o) {
        return new GenerationListener() {
            @Override
            public boolean cancelled() { return o.cancelled(); }
        };
    }
}
