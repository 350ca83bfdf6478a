package org.speclab.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.speclab.decode.Drafter;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.TokenKind;
import org.speclab.engine.cpu.MemoryBandwidth;
import org.speclab.lab.Experiment;
import org.speclab.lab.DrafterChoice;
import org.speclab.lab.Explanation;
import org.speclab.lab.LoadedModel;
import org.speclab.lab.MemoryCheck;
import org.speclab.lab.Protocol;
import org.speclab.lab.Spread;

/**
 * One run of the Run view, off the JavaFX thread: loads the models, measures the target alone when
 * asked, generates, and reports everything as events the view drains at its own pace.
 */
final class RunSession implements Runnable {
    /** {@code drafter}: null for the target alone; {@code repeats}: measured runs (each beside a baseline run when {@code baseline}). */
    record Settings(Path target, DrafterChoice drafter, int k, boolean adaptive, float temperature, int topK, float topP, int maxTokens,
                    int threads, boolean baseline, int repeats, String prompt, String device, boolean chat, org.speclab.engine.CacheType cache) {
        /** With a float32 KV cache. */
        Settings(Path target, DrafterChoice drafter, int k, boolean adaptive, float temperature, int topK, float topP, int maxTokens,
                 int threads, boolean baseline, int repeats, String prompt, String device, boolean chat) {
            this(target, drafter, k, adaptive, temperature, topK, topP, maxTokens, threads, baseline, repeats, prompt, device, chat, org.speclab.engine.CacheType.F32);
        }
    }

    sealed interface Event {
        /** {@code nanos}: when the token came ({@link System#nanoTime()}), so the chart shows the generation's pace, not the screen's. */
        record Token(String text, TokenKind kind, long nanos) implements Event {}

        record Step(int drafted, int accepted) implements Event {}

        record Status(String text) implements Event {}

        /** Generation itself begins (after loading and the baseline): tokens/s count from here. */
        record Started(long nanos) implements Event {}

        /** {@code endedNanos}: when generation had ended ({@link System#nanoTime()}), to tell how fast Stop took effect. */
        record Done(String status, Spread tokensPerSecond, String explanation, double bandwidthGbs, double peakGbs, Experiment experiment,
                    long endedNanos, Memory memory) implements Event {
            double tps() { return tokensPerSecond.present() ? tokensPerSecond.median() : 0; }
        }

        /** The repeat now running (from 0) of how many: the stream shows the first, the others are measured quietly. */
        record Repeat(int index, int of) implements Event {}
    }

    /** What the run's models hold (weights, key/value caches), for the memory gauge beside the whole process. */
    record Memory(long weights, long kvCache) {
        static final Memory NONE = new Memory(0, 0);
    }

    private final Settings s;
    private final Lab lab;
    private final ConcurrentLinkedQueue<Event> events;
    private final AtomicBoolean cancel;

    /** Called once the run has ended, so the view need not wait for its next frame to say so. */
    private final Runnable wake;
    /** On CUDA: the device's {free, total} bytes, read on this thread (the context's) after loading and at the end. */
    private volatile long[] deviceMemory;
    /** What the run's models hold, once loaded. */
    private volatile Memory memory = Memory.NONE;

    /**
     * A model file as it was when loaded. Its weights are mapped, not copied: a file rewritten or cut
     * under a run would hand the engine other numbers, or pages that are gone (a fault in native code).
     */
    private record FileStamp(Path file, long size, long modified) {
        static FileStamp of(Path p) {
            try {
                return new FileStamp(p, Files.size(p), Files.getLastModifiedTime(p).toMillis());
            } catch (java.io.IOException e) {
                return new FileStamp(p, -1, -1);
            }
        }

        /** Whether the file now differs in size or time (a deleted file's mapping stays valid: not a change). */
        boolean changed() {
            if (size < 0 || !Files.exists(file)) return false;
            FileStamp now = of(file);
            return now.size >= 0 && (now.size != size || now.modified != modified);
        }
    }

    private volatile List<FileStamp> watched = List.of();
    /** The model file found changed during the run, which stopped it; null while none is. */
    private volatile Path changedFile;
    private long lastLook;

    /** Stop pressed, or a loaded model's file changed on disk (looked at every 200 ms, between forward passes). */
    private boolean stopRequested() {
        if (cancel.get() || changedFile != null) return true;
        long now = System.nanoTime();
        if (now - lastLook > 200_000_000L) {
            lastLook = now;
            for (FileStamp f : watched) {
                if (f.changed()) {
                    changedFile = f.file();
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Tests only (package-private; nothing in the lab sets it): sees a run from inside. {@link #engine} may wrap the
     * backend the run's models are loaded on, to hold a forward pass at a moment of the test's choosing; {@link #phase}
     * is told each phase of the protocol as it starts, so a test can tell the measured run from the warm-up.
     */
    interface Probe {
        Probe NONE = new Probe() {};

        default org.speclab.engine.Backend engine(org.speclab.engine.Backend chosen) { return chosen; }

        default void phase(Protocol.Phase phase, int repeat) {}
    }

    static volatile Probe probe = Probe.NONE;

    RunSession(Settings s, Lab lab, ConcurrentLinkedQueue<Event> events, AtomicBoolean cancel, Runnable wake) {
        this.wake = wake;
        this.s = s;
        this.lab = lab;
        this.events = events;
        this.cancel = cancel;
    }

    @Override
    public void run() {
        events.add(new Event.Status(lab.t("run.status.loading")));
        org.speclab.engine.Backend backend;
        try {
            // CUDA that vanished since the picker probed it: say why and run on the CPU
            backend = probe.engine(org.speclab.lab.DeviceChoice.choose(s.device(), true, w -> events.add(new Event.Status(w))));
        } catch (RuntimeException ex) { // a device the machine does not have
            failed(ex);
            return;
        }
        DrafterChoice choice = s.drafter();
        Path draftFile = choice == null ? null : choice.file();
        try (LoadedModel target = LoadedModel.open(s.target(), lab.tokenizerFor(s.target()), s.threads(), backend, s.cache());
             LoadedModel draft = draftFile != null ? LoadedModel.open(draftFile, lab.tokenizerFor(draftFile), 1, backend, s.cache()) : null) {
            if (target.transformer().gauges() != null) deviceMemory = target.transformer().gauges().memoryInfo();
            int[] prompt = target.prompt(s.prompt(), s.chat(), null);
            if (draft != null) LoadedModel.requireSameVocabulary(target, draft);
            int positions = prompt.length + s.maxTokens();
            Drafter drafter = choice == null ? null : choice.build(target.transformer(), draft == null ? null : draft.transformer(), positions);
            long weights = target.transformer().weightBytes() + (draft == null ? 0 : draft.transformer().weightBytes());
            long held = MemoryCheck.runBytes(target.transformer(), draft == null ? null : draft.transformer(), positions);
            memory = new Memory(weights, held - weights);
            watched = draftFile == null ? List.of(FileStamp.of(s.target())) : List.of(FileStamp.of(s.target()), FileStamp.of(draftFile));
            long seed = System.nanoTime();
            boolean baseline = s.baseline() && drafter != null;
            var setup = new Protocol.Setup(prompt, s.maxTokens(), s.temperature(), s.topK(), s.topP(), seed, s.repeats(), baseline, true);
            GenerationListener shown = new GenerationListener() {
                @Override
                public void token(int id, String text, TokenKind kind) { events.add(new Event.Token(text, kind, System.nanoTime())); }

                @Override
                public void step(int drafted, int accepted) { events.add(new Event.Step(drafted, accepted)); }

                @Override
                public boolean cancelled() { return stopRequested(); }
            };
            Protocol.Outcome o = Protocol.run(target.transformer(), target.tokenizer(), drafter, s.k(), s.adaptive(), setup, new Protocol.Observer() {
                @Override
                public GenerationListener listener(int repeat) {
                    return repeat == 0 ? shown : stopOnly();
                }

                @Override
                public void phase(Protocol.Phase phase, int repeat, int repeats) {
                    probe.phase(phase, repeat);
                    switch (phase) {
                        case WARM_UP -> events.add(new Event.Status(lab.t("run.status.warmUp")));
                        case BASELINE -> events.add(new Event.Status(lab.t("run.status.baselineOf", repeat + 1, repeats)));
                        case RUN -> {
                            events.add(new Event.Status(repeats == 1 ? lab.t("run.status.running") : lab.t("run.status.runningOf", repeat + 1, repeats)));
                            events.add(new Event.Repeat(repeat, repeats));
                            if (repeat == 0) events.add(new Event.Started(System.nanoTime()));
                        }
                    }
                }

                @Override
                public boolean cancelled() { return stopRequested(); }
            });
            if (changedFile != null) { // its weights may no longer be what was loaded: nothing to trust, nothing to record
                done(lab.t("run.status.fileChanged", changedFile.getFileName()), Spread.NONE, "", 0, 0, null);
                return;
            }
            if (o.samples().isEmpty()) { // stopped during the warm-up: nothing measured, nothing to record
                done(lab.t("run.status.stopped"), Spread.NONE, "", 0, 0, null);
                return;
            }
            Protocol.Sample rep = o.representative();
            Spread tps = o.tokensPerSecond();
            double gbs = target.transformer().weightBytes() * tps.median() / 1e9;
            // the ceiling of the device the run used: the GPU's copy rate, or the machine's memory read rate
            double peak = MemoryBandwidth.gbPerSecond(s.threads());
            if (target.transformer().gauges() instanceof org.speclab.engine.DeviceGauges gpu) {
                peak = gpu.copyBandwidthGBs();
                deviceMemory = gpu.memoryInfo();
            }
            Explanation why = Explanation.of(o, baseline);
            String explain = why == null ? "" : explain(why);
            var who = new Protocol.Subject(org.speclab.model.ModelFile.stem(s.target()), target.file().dominantType().name(), choice == null ? null : choice.labelFor(target.transformer()),
                    draft != null ? draft.file().dominantType().name() : null, target.transformer().device(),
                    held, target.transformer().weightBytes());
            Experiment e = Protocol.record(who, setup, o, s.k(), s.prompt());
            String status = o.stopped() ? lab.t("run.status.stopped")
                    : lab.t("run.status.done", rep.stats().newTokens(), tps.format("%.1f", lab.t("run.stat.runs")));
            done(status, tps, explain, gbs, peak, e);
        } catch (Exception ex) {
            failed(ex);
        }
    }

    private void failed(Exception ex) {
        LabLog.error("run failed", ex);
        String m = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        done(lab.t("run.status.error", m), Spread.NONE, "", 0, 0, null);
    }

    private void done(String status, Spread tps, String explanation, double gbs, double peak, Experiment e) {
        events.add(new Event.Done(status, tps, explanation, gbs, peak, e, System.nanoTime(), memory));
        wake.run();
    }

    /** Shows nothing (the warm-up and the baseline) but still stops when asked: Stop must not wait for them. */
    private GenerationListener stopOnly() {
        return new GenerationListener() {
            @Override
            public boolean cancelled() { return stopRequested(); }
        };
    }

    /** The explanation in the lab's words: the step's figures, predicted and measured speedup, and the verdict. */
    private String explain(Explanation e) {
        String runs = lab.t("run.stat.runs");
        Spread speedup = e.speedup();
        String text = lab.t("run.explain.step", Wording.drafter(lab, e.drafter()), e.k(), e.accepted(), e.drafted(), f("%.1f", 100 * e.acceptanceRate()),
                f("%.3f", e.alpha()), f("%.3f", e.costRatio()), f("%.2f", e.verifyCost()))
                + "\n" + lab.t("run.explain.predicted", f("%.2f", e.predicted()))
                + (speedup.present() ? " · " + lab.t("run.explain.measured", speedup.format("%.2f", runs) + "×", e.baseline().format("%.1f", runs)) : "")
                + "\n" + lab.t(e.loss() ? "run.loss" : "run.gain", f("%.2f", e.stepCost()), f("%.2f", e.stepYield()));
        if (!Double.isNaN(e.tooShortSeconds())) text += "\n" + lab.t("run.explain.tooShort", f("%.2f", e.tooShortSeconds()), f("%.1f", Protocol.minTimedSeconds()));
        return text;
    }

    /** Numbers go into the texts already formatted: MessageFormat would group 12547 as "12,547". */
    private static String f(String format, double v) {
        return String.format(java.util.Locale.ROOT, format, v);
    }

    /** What the run's models hold (zero until they are loaded). */
    Memory memory() { return memory; }

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
