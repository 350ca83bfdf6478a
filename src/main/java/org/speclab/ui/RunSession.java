package org.speclab.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.speclab.Version;
import org.speclab.decode.DraftModel;
import org.speclab.decode.Drafter;
import org.speclab.decode.EarlyExit;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.GenerationStats;
import org.speclab.decode.Generator;
import org.speclab.decode.NGramLookup;
import org.speclab.decode.Sampler;
import org.speclab.decode.SpeculationStats;
import org.speclab.decode.SpeculativeDecoder;
import org.speclab.decode.SpeedupModel;
import org.speclab.decode.TokenKind;
import org.speclab.engine.cpu.MemoryBandwidth;
import org.speclab.lab.Experiment;
import org.speclab.lab.LoadedModel;

/**
 * One run of the Run view, off the JavaFX thread: loads the models, measures the target alone when
 * asked, generates, and reports everything as events the view drains at its own pace.
 */
final class RunSession implements Runnable {
    /** drafter: 0 none, 1 draft model, 2 n-gram, 3 early exit. */
    record Settings(Path target, Path draft, int drafter, int ngram, int layers, int k, boolean adaptive, float temperature,
                    int topK, float topP, int maxTokens, int threads, boolean baseline, String prompt, String device, boolean chat) {}

    sealed interface Event {
        record Token(String text, TokenKind kind) implements Event {}

        record Step(int drafted, int accepted) implements Event {}

        record Status(String text) implements Event {}

        /** Generation itself begins (after loading and the baseline): tokens/s count from here. */
        record Started() implements Event {}

        /** {@code endedNanos}: when generation had ended ({@link System#nanoTime()}), to tell how fast Stop took effect. */
        record Done(String status, double tokensPerSecond, String explanation, double bandwidthGbs, double peakGbs, Experiment experiment,
                    long endedNanos) implements Event {}
    }

    /** Runs shorter than this show no measured speedup: they would not repeat within 10%. */
    static final double MIN_TIMED_SECONDS = 1.0;

    private final Settings s;
    private final Lab lab;
    private final ConcurrentLinkedQueue<Event> events;
    private final AtomicBoolean cancel;

    /** Called once the run has ended, so the view need not wait for its next frame to say so. */
    private final Runnable wake;
    /** On CUDA: the device's {free, total} bytes, read on this thread (the context's) after loading and at the end. */
    private volatile long[] deviceMemory;

    RunSession(Settings s, Lab lab, ConcurrentLinkedQueue<Event> events, AtomicBoolean cancel, Runnable wake) {
        this.wake = wake;
        this.s = s;
        this.lab = lab;
        this.events = events;
        this.cancel = cancel;
    }

    /** A llama2.c checkpoint's vocabulary, found beside it (tok*.bin or tokenizer.model), or null. */
    static Path tokenizerBeside(Path model) {
        if (org.speclab.format.FileKind.of(model) != org.speclab.format.FileKind.LLAMA2C_CHECKPOINT) return null;
        try (Stream<Path> files = Files.list(model.toAbsolutePath().getParent())) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("tokenizer.model") || (n.startsWith("tok") && n.endsWith(".bin"));
            }).sorted().findFirst().orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void run() {
        events.add(new Event.Status(lab.t("run.status.loading")));
        org.speclab.engine.Backend backend;
        try {
            // CUDA that vanished since the picker probed it: say why and run on the CPU
            backend = org.speclab.lab.DeviceChoice.choose(s.device(), true, w -> events.add(new Event.Status(w)));
        } catch (RuntimeException ex) { // a device the machine does not have
            failed(ex);
            return;
        }
        try (LoadedModel target = LoadedModel.open(s.target(), tokenizerBeside(s.target()), s.threads(), backend);
             LoadedModel draft = s.drafter() == 1 && s.draft() != null ? LoadedModel.open(s.draft(), tokenizerBeside(s.draft()), 1, backend) : null) {
            if (target.transformer().gauges() != null) deviceMemory = target.transformer().gauges().memoryInfo();
            int[] prompt = target.prompt(s.prompt(), s.chat(), null);
            int positions = s.maxTokens() - 1;
            if (draft != null && draft.tokenizer().vocabSize() != target.tokenizer().vocabSize()) {
                throw new IllegalArgumentException("draft " + s.draft().getFileName() + " and target " + s.target().getFileName()
                        + " do not share a vocabulary (" + draft.tokenizer().vocabSize() + " vs " + target.tokenizer().vocabSize() + " tokens)");
            }
            Drafter drafter = switch (s.drafter()) {
                case 1 -> draft == null ? null : new DraftModel(draft.transformer(), stem(s.draft()), prompt.length + s.maxTokens());
                case 2 -> new NGramLookup(s.ngram());
                case 3 -> new EarlyExit(target.transformer(), Math.min(s.layers(), target.transformer().config().layers() - 1), prompt.length + s.maxTokens());
                default -> null;
            };
            long seed = System.nanoTime();
            Generator plain = new Generator(target.transformer(), target.tokenizer());
            double baselineTps = Double.NaN, decodeSeconds = Double.NaN;
            if (s.baseline() && drafter != null) {
                events.add(new Event.Status(lab.t("run.status.baseline")));
                // as the CLI does: uncounted warm-ups of both paths (JIT compilation would otherwise be
                // billed to whichever runs first), then the best of three runs of the target alone
                new SpeculativeDecoder(target.transformer(), target.tokenizer(), drafter, s.k(), s.adaptive())
                        .generate(prompt, positions, sampler(seed), stopOnly());
                if (!cancel.get()) plain.generate(prompt, positions, sampler(seed), stopOnly());
                for (int i = 0; i < 3 && !cancel.get(); i++) {
                    GenerationStats b = plain.generate(prompt, positions, sampler(seed), stopOnly());
                    if (cancel.get() || !(Double.isNaN(baselineTps) || b.tokensPerSecond() > baselineTps)) continue;
                    baselineTps = b.tokensPerSecond();
                    decodeSeconds = b.forwardPasses() > 0 ? b.decodeNanos() / 1e9 / b.forwardPasses() : Double.NaN;
                }
            }
            if (cancel.get()) { // stopped while loading or measuring the baseline: nothing to record
                done(lab.t("run.status.stopped"), 0, "", 0, 0, null);
                return;
            }
            events.add(new Event.Status(lab.t("run.status.running")));
            events.add(new Event.Started());
            GenerationListener listener = new GenerationListener() {
                @Override
                public void token(int id, String text, TokenKind kind) { events.add(new Event.Token(text, kind)); }

                @Override
                public void step(int drafted, int accepted) { events.add(new Event.Step(drafted, accepted)); }

                @Override
                public boolean cancelled() { return cancel.get(); }
            };
            GenerationStats st;
            SpeculationStats ss = null;
            if (drafter == null) {
                st = plain.generate(prompt, positions, sampler(seed), listener);
            } else {
                var r = new SpeculativeDecoder(target.transformer(), target.tokenizer(), drafter, s.k(), s.adaptive())
                        .generate(prompt, positions, sampler(seed), listener);
                st = r.stats();
                ss = r.speculation();
                if (!Double.isNaN(decodeSeconds)) ss = ss.withDecodeSeconds(decodeSeconds);
            }
            double tps = st.tokensPerSecond();
            // a run shorter than a second times the JIT and the scheduler as much as the engine: its
            // speedup would not repeat, so none is shown or recorded (the prediction still is)
            boolean tooShort = st.totalSeconds() < MIN_TIMED_SECONDS;
            double measuredAgainst = tooShort ? Double.NaN : baselineTps;
            double gbs = target.transformer().weightBytes() * tps / 1e9;
            // the ceiling of the device the run used: the GPU's copy rate, or the machine's memory read rate
            double peak = MemoryBandwidth.gbPerSecond(s.threads());
            if (target.transformer().gauges() instanceof org.speclab.engine.DeviceGauges gpu) {
                peak = gpu.copyBandwidthGBs();
                deviceMemory = gpu.memoryInfo();
            }
            String explain = ss == null ? "" : explain(ss, tps, measuredAgainst)
                    + (tooShort && !Double.isNaN(baselineTps) ? "\n" + lab.t("run.explain.tooShort", f("%.2f", st.totalSeconds())) : "");
            Experiment e = new Experiment(ss == null ? null : draft != null ? stem(s.draft()) : ss.drafter(),
                    draft != null ? draft.file().dominantType().name() : null, ss == null ? null : ss.k(), stem(s.target()),
                    target.file().dominantType().name(), target.transformer().device(), 1, s.prompt(), tps, residentBytes() / 1e9, gbs,
                    ss == null ? null : ss.meanAccepted(), s.maxTokens(), 1, s.temperature(), Version.get(), ss == null ? null : ss.alpha(),
                    ss == null ? null : ss.costRatio(), ss == null ? null : ss.predictedSpeedup(),
                    ss == null || Double.isNaN(measuredAgainst) ? null : tps / measuredAgainst, ss == null ? null : ss.acceptedCounts(),
                    1, seed, s.topK(), s.topP(), st.newTokens(), st.stopReason(), null);
            String status = cancel.get() ? lab.t("run.status.stopped") : lab.t("run.status.done", st.newTokens(), String.format("%.1f", tps));
            done(status, tps, explain, gbs, peak, e);
        } catch (Exception ex) {
            failed(ex);
        }
    }

    private void failed(Exception ex) {
        LabLog.error("run failed", ex);
        String m = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        done(lab.t("run.status.error", m), 0, "", 0, 0, null);
    }

    /** Models are named by their file, as the library lists them: converters often leave a generic general.name such as "llama". */
    static String stem(Path p) {
        String f = p.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }

    private void done(String status, double tps, String explanation, double gbs, double peak, Experiment e) {
        events.add(new Event.Done(status, tps, explanation, gbs, peak, e, System.nanoTime()));
        wake.run();
    }

    private Sampler sampler(long seed) {
        return new Sampler(s.temperature(), s.topK(), s.topP(), seed);
    }

    /** Shows nothing (the warm-up and the baseline) but still stops when asked: Stop must not wait for them. */
    private GenerationListener stopOnly() {
        return new GenerationListener() {
            @Override
            public boolean cancelled() { return cancel.get(); }
        };
    }

    private String explain(SpeculationStats ss, double tps, double baselineTps) {
        double cost = ss.k() * ss.costRatio() + ss.verifyCost(ss.k());
        double yield = SpeedupModel.expectedTokensPerStep(Math.min(ss.alpha(), 0.999999), ss.k());
        String head = lab.t("run.explain.step", ss.drafter(), ss.k(), ss.accepted(), ss.drafted(), f("%.1f", 100 * ss.acceptanceRate()),
                f("%.3f", ss.alpha()), f("%.3f", ss.costRatio()), f("%.2f", ss.verifyCost(ss.k())))
                + "\n" + lab.t("run.explain.predicted", f("%.2f", ss.predictedSpeedup()))
                + (Double.isNaN(baselineTps) ? "" : " · " + lab.t("run.explain.measured", f("%.2f", tps / baselineTps), f("%.1f", baselineTps)));
        String verdict = ss.predictedSpeedup() < 1 ? lab.t("run.loss", String.format("%.2f", cost), String.format("%.2f", yield))
                : lab.t("run.gain", String.format("%.2f", cost), String.format("%.2f", yield));
        return head + "\n" + verdict;
    }

    /** Numbers go into the texts already formatted: MessageFormat would group 12547 as "12,547". */
    private static String f(String format, double v) {
        return String.format(java.util.Locale.ROOT, format, v);
    }

    /** The device's {free, total} bytes when the run is on CUDA, else null. */
    long[] deviceMemory() { return deviceMemory; }

    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (Exception e) {
            // not Linux
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    static long totalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }
}
