package org.speclab.ui;

import eu.hansolo.medusa.Gauge;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.fxml.FXML;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextArea;
import javafx.scene.layout.BorderPane;
import javafx.scene.text.TextFlow;
import javafx.util.Duration;
import org.speclab.decode.TokenKind;
import org.speclab.library.ModelEntry;

/**
 * A live run: choose target, drafter and sampling, press Start, and watch the tokens arrive
 * coloured by where they came from, the accepted-token histogram, tokens/s over time, memory,
 * bandwidth, and the predicted-versus-measured speedup that explains the result.
 */
final class RunView {
    /** UI refreshes per second at most: token events are queued and drained on this beat. */
    static final int FRAMES_PER_SECOND = 25;

    private final Lab lab;
    private final BorderPane root;
    @FXML private ComboBox<ModelEntry> target, draftModel;
    @FXML private ChoiceBox<String> drafter;
    @FXML private Spinner<Integer> ngram, layers, k, topK, maxTokens, threads, repeats;
    @FXML private Spinner<Double> temperature, topP;
    @FXML private CheckBox adaptive, baseline, chat;
    @FXML private TextArea prompt;
    @FXML private Button start, stop;
    @FXML private ScrollPane streamScroll;
    @FXML private TextFlow stream;
    @FXML private Label runStatus, tps, explanation, memory, bandwidth, deviceNote, weightsPart, kvPart, restPart;
    @FXML private ComboBox<Device> device;
    @FXML private javafx.scene.control.ChoiceBox<org.speclab.engine.CacheType> kvCache;
    @FXML private Gauge memoryGauge, bandwidthGauge;
    @FXML private BarChart<String, Number> histogram;
    @FXML private LineChart<Number, Number> speedChart;
    private final XYChart.Series<String, Number> accepted = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> speed = new XYChart.Series<>();
    private final ConcurrentLinkedQueue<RunSession.Event> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean cancel = new AtomicBoolean();
    private final Timeline beat;
    private final StreamFlow tokens;
    private volatile RunSession session;
    private long[] counts = new long[17];
    private int shown;
    /** The first repeat is streamed; once it ends, the live figures stop and the final ones wait for the last repeat. */
    private boolean streaming;
    private long startNanos, stopPressed;

    /** How the model pickers name a model: name, weight type and size, enough to tell quantizations apart. */
    static final javafx.util.StringConverter<ModelEntry> MODEL_NAMES = new javafx.util.StringConverter<>() {
        @Override
        public String toString(ModelEntry m) {
            if (m == null) return "";
            // the folder too: two files named "draft" in different folders must not look alike
            Path folder = m.path().toAbsolutePath().getParent();
            String in = folder == null || folder.getFileName() == null ? "" : folder.getFileName() + ", ";
            return m.name() + "  (" + in + m.weightType() + ", " + Formats.bytes(m.sizeBytes()) + (m.format().equals("gguf") ? "" : ", " + m.format()) + ")";
        }

        @Override
        public ModelEntry fromString(String s) { return null; }
    };

    RunView(Lab lab) {
        this.lab = lab;
        root = lab.load("run.fxml", this);
        target.setConverter(MODEL_NAMES);
        draftModel.setConverter(MODEL_NAMES);
        drafter.getItems().addAll(lab.t("run.drafter.none"), lab.t("run.drafter.model"), lab.t("run.drafter.ngram"), lab.t("run.drafter.layers"));
        drafter.getSelectionModel().select(0);
        int cores = Runtime.getRuntime().availableProcessors();
        threads.setValueFactory(new javafx.scene.control.SpinnerValueFactory.IntegerSpinnerValueFactory(1,
                org.speclab.engine.cpu.CpuBackend.maxThreads(), cores)); // the engine refuses more; the spinner stops there
        // the CLI's sampling defaults (gpt-fast's), so a run here and `speclab generate` start alike
        temperature.getValueFactory().setValue((double) org.speclab.decode.Sampler.DEFAULT_TEMPERATURE);
        topK.getValueFactory().setValue(org.speclab.decode.Sampler.DEFAULT_TOP_K);
        for (Spinner<?> s : List.of(ngram, layers, k, topK, maxTokens, threads, repeats, temperature, topP)) s.setEditable(true);
        cacheChoice(lab, kvCache);
        // CUDA keeps its cache in float32: the choice is the CPU's
        device.valueProperty().addListener((o, was, now) -> {
            boolean cpu = now == null || now.id().equals(CPU.id());
            if (!cpu) kvCache.setValue(org.speclab.engine.CacheType.F32);
            kvCache.setDisable(!cpu);
        });
        // only the settings of the chosen drafter can be edited
        Runnable enable = () -> {
            int kind = drafter.getSelectionModel().getSelectedIndex();
            draftModel.setDisable(kind != 1);
            ngram.setDisable(kind != 2);
            layers.setDisable(kind != 3);
            k.setDisable(kind == 0);
            adaptive.setDisable(kind == 0);
        };
        drafter.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> enable.run());
        enable.run();
        // chat only for a target that carries a chat template (an instruct model)
        Runnable chatAllowed = () -> {
            ModelEntry t = target.getValue();
            boolean can = t != null && t.chatTemplate();
            chat.setDisable(!can);
            if (!can) chat.setSelected(false);
        };
        target.valueProperty().addListener((o, a, b) -> chatAllowed.run());
        chatAllowed.run();
        probeDevices();
        Gauges.setUp(memoryGauge, lab.t("run.memory"), "GB", 2);
        Gauges.setUp(bandwidthGauge, lab.t("run.bandwidth"), "GB/s", 2);
        Gauges.legend(weightsPart, kvPart, restPart);
        histogram.getData().add(accepted);
        speedChart.getData().add(speed);
        tokens = new StreamFlow(stream);
        stream.heightProperty().addListener((o, a, b) -> streamScroll.setVvalue(1.0));
        beat = new Timeline(new KeyFrame(Duration.millis(1000.0 / FRAMES_PER_SECOND), e -> drain()));
        beat.setCycleCount(Timeline.INDEFINITE);
        beat.play();
        lab.models.addListener((javafx.collections.ListChangeListener<ModelEntry>) c -> refreshModels());
        refreshModels();
        restore(lab.settings.get().run(), null);
    }

    BorderPane root() { return root; }

    private void refreshModels() {
        List<ModelEntry> usable = lab.models.stream().filter(ModelEntry::runnable).filter(m -> !m.format().equals("huggingface")).toList();
        ModelEntry t = target.getValue(), d = draftModel.getValue();
        // models carried over a language switch, picked again once the library lists them
        if (pendingTarget != null) t = usable.stream().filter(m -> m.path().equals(pendingTarget)).findFirst().orElse(t);
        if (pendingDraft != null) d = usable.stream().filter(m -> m.path().equals(pendingDraft)).findFirst().orElse(d);
        if (t != null && t.path().equals(pendingTarget)) pendingTarget = null;
        if (d != null && d.path().equals(pendingDraft)) pendingDraft = null;
        // a model is kept by its file (a rescan makes new entries); one no longer listed (deleted, moved) is not offered
        t = listed(usable, t);
        d = listed(usable, d);
        target.getItems().setAll(usable);
        draftModel.getItems().setAll(usable);
        target.setValue(t != null ? t : usable.isEmpty() ? null : defaultTarget(usable, lab.settings.get().lastTargetPath()));
        draftModel.setValue(d);
    }

    /** The entry of {@code usable} for {@code m}'s file, or null. */
    private static ModelEntry listed(List<ModelEntry> usable, ModelEntry m) {
        return m == null ? null : usable.stream().filter(u -> u.path().equals(m.path())).findFirst().orElse(null);
    }

    private Path pendingTarget, pendingDraft;

    /**
     * The target a run starts with: the one last run, else the largest model whose file does not say
     * it holds random weights (a synthetic or "random" model prints noise, a poor first run), else
     * the largest.
     */
    static ModelEntry defaultTarget(List<ModelEntry> usable, Path last) {
        if (last != null) {
            for (ModelEntry m : usable) if (m.path().toAbsolutePath().normalize().equals(last)) return m;
        }
        java.util.Comparator<ModelEntry> bySize = java.util.Comparator.comparingLong(ModelEntry::parameters);
        return usable.stream().filter(m -> !randomWeights(m)).max(bySize).orElseGet(() -> usable.stream().max(bySize).orElseThrow());
    }

    private static boolean randomWeights(ModelEntry m) {
        String n = m.path().getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return n.contains("random") || n.contains("synth") || n.startsWith("demo");
    }

    /** A KV cache choice (the run view's and the sweep dialog's): float32 first and chosen, each in the lab's words. */
    static void cacheChoice(Lab lab, javafx.scene.control.ChoiceBox<org.speclab.engine.CacheType> box) {
        box.getItems().setAll(org.speclab.engine.CacheType.values());
        box.setValue(org.speclab.engine.CacheType.F32);
        box.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(org.speclab.engine.CacheType t) { return t == null ? "" : lab.t("run.kvCache." + t.label()); }

            @Override
            public org.speclab.engine.CacheType fromString(String s) { return null; }
        });
    }

    /**
     * Every setting but the target, as the lab remembers them for its next start (after a run) and as a language switch
     * hands them to the view rebuilt in the new language ({@link #restore}).
     */
    org.speclab.library.WorkspaceSettings.Run remembered() {
        ModelEntry d = draftModel.getValue();
        return new org.speclab.library.WorkspaceSettings.Run(drafter.getSelectionModel().getSelectedIndex(),
                d == null ? null : d.path().toString(), ngram.getValue(), layers.getValue(), k.getValue(),
                adaptive.isSelected(), temperature.getValue(), topK.getValue(), topP.getValue(), maxTokens.getValue(), threads.getValue(),
                baseline.isSelected(), repeats.getValue(), prompt.getText(), chat.isSelected(), kvCache.getValue() == null ? null : kvCache.getValue().label(),
                device.getValue() == null ? null : device.getValue().id());
    }

    /** The chosen target's file, or null. */
    Path targetPath() {
        return target.getValue() == null ? null : target.getValue().path();
    }

    /**
     * Settings {@link #remembered} (by this view before a language switch, or before the lab was last closed), each where
     * it was set and makes sense: an unknown drafter or cache type is left at the default, numbers are brought into their
     * control's range, a draft model is picked once the library lists it (none: none picked), a GPU once the probe finds
     * it (not found: the CPU, and the device note says so); and {@code target}, where not null, likewise.
     */
    void restore(org.speclab.library.WorkspaceSettings.Run r, Path target) {
        if (target != null) pendingTarget = target;
        if (r == null) {
            refreshModels();
            return;
        }
        if (r.drafter() != null && r.drafter() >= 0 && r.drafter() < drafter.getItems().size()) drafter.getSelectionModel().select(r.drafter());
        setInt(ngram, r.ngram());
        setInt(layers, r.layers());
        setInt(k, r.k());
        if (r.adaptive() != null) adaptive.setSelected(r.adaptive());
        setDouble(temperature, r.temperature());
        setInt(topK, r.topK());
        setDouble(topP, r.topP());
        setInt(maxTokens, r.maxTokens());
        setInt(threads, r.threads());
        if (r.baseline() != null) baseline.setSelected(r.baseline());
        setInt(repeats, r.repeats());
        if (r.prompt() != null) prompt.setText(r.prompt());
        if (r.kvCache() != null && !kvCache.isDisabled()) {
            try {
                kvCache.setValue(org.speclab.engine.CacheType.parse(r.kvCache()));
            } catch (IllegalArgumentException e) {
                // an edited file: the default stays
            }
        }
        pendingDraft = r.draftPath();
        if (pendingDraft == null) draftModel.setValue(null);
        pendingDevice = r.device();
        if (probeNote != null) pickDevice();
        refreshModels();
        if (r.chat() != null && !chat.isDisabled()) chat.setSelected(r.chat());
    }

    private static void setInt(Spinner<Integer> s, Integer v) {
        if (v == null) return;
        var f = (javafx.scene.control.SpinnerValueFactory.IntegerSpinnerValueFactory) s.getValueFactory();
        f.setValue(Math.max(f.getMin(), Math.min(f.getMax(), v)));
    }

    private static void setDouble(Spinner<Double> s, Double v) {
        if (v == null || !Double.isFinite(v)) return;
        var f = (javafx.scene.control.SpinnerValueFactory.DoubleSpinnerValueFactory) s.getValueFactory();
        f.setValue(Math.max(f.getMin(), Math.min(f.getMax(), v)));
    }

    /** A device the picker offers; {@code why} says why one cannot be chosen. */
    record Device(String id, String label, String why) {
        boolean usable() { return why == null; }

        @Override
        public String toString() { return label; }
    }

    static final Device CPU = new Device("cpu", "CPU", null);

    /** Finds the CUDA devices (tests replace it: no GPU here). */
    static volatile java.util.function.Supplier<org.speclab.engine.cuda.CudaProbe.Result> cudaProbe = org.speclab.engine.cuda.CudaProbe::probe;

    /** The device of the settings restored, until the probe has answered; the probe's note once it has (null before). */
    private String pendingDevice, probeNote;

    /**
     * After the probe: the device restored where the probe found it and it can be chosen, else the CPU, the note then
     * saying the remembered one is not there (a GPU taken out, a driver gone). Only once per restore.
     */
    private void pickDevice() {
        String wanted = pendingDevice;
        pendingDevice = null;
        Device d = wanted == null ? null : device.getItems().stream().filter(x -> x.id().equals(wanted) && x.usable()).findFirst().orElse(null);
        device.setValue(d == null ? CPU : d);
        String note = wanted != null && d == null && !wanted.equals(CPU.id()) ? probeNote + " " + lab.t("run.device.lastGone", wanted) : probeNote;
        deviceNote.setText(note);
        device.setTooltip(new javafx.scene.control.Tooltip(note));
    }

    /**
     * The picker starts with the CPU; CUDA devices are added once probed, off the JavaFX thread
     * (loading the driver library can take a moment). Where CUDA is missing, the note gives the
     * probe's one-line reason and only the CPU is offered.
     */
    private void probeDevices() {
        device.getItems().setAll(CPU);
        device.setValue(CPU);
        device.setCellFactory(v -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(Device d, boolean empty) {
                super.updateItem(d, empty);
                setText(empty || d == null ? null : d.label());
                setDisable(d != null && !d.usable());
                setTooltip(d == null || d.usable() ? null : new javafx.scene.control.Tooltip(d.why()));
            }
        });
        deviceNote.setText(lab.t("run.device.probing"));
        Thread probe = new Thread(() -> {
            var cuda = cudaProbe.get();
            List<Device> found = new ArrayList<>(List.of(CPU));
            String note;
            if (cuda.available()) {
                for (String d : cuda.devices()) found.add(new Device(d.split("\\s+")[0], d, null));
                note = lab.t("run.device.cudaFound", cuda.devices().size());
            } else {
                note = lab.t("run.device.noCuda", Wording.noCuda(lab, cuda.reason()));
            }
            javafx.application.Platform.runLater(() -> {
                device.getItems().setAll(found);
                probeNote = note;
                pickDevice();
            });
        }, "cuda-probe");
        probe.setDaemon(true);
        probe.start();
    }

    @FXML private void start() {
        ModelEntry t = target.getValue();
        if (t == null) return;
        org.speclab.lab.DrafterChoice choice = drafterChoice();
        // "Draft model" picked with none chosen: say so, rather than run the target alone under a speculative heading
        if (choice == null && drafter.getSelectionModel().getSelectedIndex() == 1) {
            runStatus.setText(lab.t("run.status.noDraft"));
            return;
        }
        java.util.Set<Path> files = choice == null || choice.file() == null ? java.util.Set.of(t.path()) : java.util.Set.of(t.path(), choice.file());
        // deleted or moved since the library listed it (its next scan drops it): one line, not a loader's error
        for (Path f : files) {
            if (!java.nio.file.Files.exists(f)) {
                runStatus.setText(lab.t("run.status.gone", f.getFileName()));
                return;
            }
        }
        cancel.set(false);
        stopPressed = 0;
        events.clear();
        tokens.clear();
        accepted.getData().clear();
        speed.getData().clear();
        explanation.setText("");
        // nothing of the previous run stays on screen (after an error there would be nothing to replace it)
        tps.setText("");
        bandwidth.setText("");
        Gauges.clear(bandwidthGauge);
        counts = new long[17];
        shown = 0;
        streaming = false;
        memory.setText("");
        Gauges.clear(memoryGauge);
        startNanos = System.nanoTime();
        start.setDisable(true);
        stop.setDisable(false);
        org.speclab.library.WorkspaceSettings.Run remembered = remembered();
        lab.remember.accept(w -> w.withLastTarget(t.path()).withRun(remembered));
        lab.running = files;
        RunSession.Settings s = new RunSession.Settings(t.path(), choice, k.getValue(), adaptive.isSelected(),
                temperature.getValue().floatValue(), topK.getValue(), topP.getValue().floatValue(), maxTokens.getValue(), threads.getValue(),
                baseline.isSelected(), repeats.getValue(), prompt.getText(), device.getValue() == null ? "cpu" : device.getValue().id(), chat.isSelected(),
                kvCache.getValue());
        RunSession run = new RunSession(s, lab, events, cancel, () -> javafx.application.Platform.runLater(this::drain));
        session = run;
        Thread th = new Thread(run, "speclab-run");
        th.setDaemon(true);
        th.start();
    }

    /** The drafter as picked: none, a draft model (null while none is chosen: Start then refuses), n-gram lookup or early exit. */
    private org.speclab.lab.DrafterChoice drafterChoice() {
        return switch (drafter.getSelectionModel().getSelectedIndex()) {
            case 1 -> draftModel.getValue() == null ? null : new org.speclab.lab.DrafterChoice.DraftFile(draftModel.getValue().path());
            case 2 -> new org.speclab.lab.DrafterChoice.NGram(ngram.getValue());
            case 3 -> new org.speclab.lab.DrafterChoice.EarlyExitLayers(layers.getValue());
            default -> null;
        };
    }

    /** Applies queued events, at most {@link #FRAMES_PER_SECOND} times a second, on the JavaFX thread. */
    private void drain() {
        RunSession.Event e;
        while ((e = events.poll()) != null) {
            switch (e) {
                case RunSession.Event.Token tok -> {
                    if (!tok.text().isEmpty()) tokens.add(tok.kind(), tok.text());
                    if (tok.kind() != TokenKind.PROMPT && streaming) {
                        shown++;
                        // a point per token at the generation's own pace (a short run still draws a curve);
                        // the first few tokens' rate is mostly the prompt's pass and would dwarf the rest
                        double secs = (tok.nanos() - startNanos) / 1e9;
                        if (shown > 3 && secs > 0 && speed.getData().size() < 2000) speed.getData().add(new XYChart.Data<>(secs, shown / secs));
                    }
                }
                case RunSession.Event.Step step -> counts[Math.min(step.accepted(), 16)]++;
                // once Stop is pressed the line says so until the run has ended: a phase queued before it is old news
                case RunSession.Event.Status st -> {
                    if (!cancel.get()) runStatus.setText(st.text());
                }
                case RunSession.Event.Started st -> {
                    startNanos = st.nanos();
                    streaming = true;
                    speed.getData().clear();
                }
                case RunSession.Event.Repeat r -> {
                    if (r.index() > 0) streaming = false; // the first repeat, the one shown, has ended
                }
                case RunSession.Event.Done d -> finish(d);
            }
        }
        tokens.show();
        double secs = (System.nanoTime() - startNanos) / 1e9;
        if (session != null && streaming && shown > 0 && secs > 0) {
            tps.setText(String.format("%.1f %s", shown / secs, lab.t("run.stat.tps")));
            updateHistogram();
        }
        // the gauge redraws its whole ring when set: twice a second is enough, and leaves the cores to the run
        long now = System.nanoTime();
        if (session != null && now - memoryShown > 500_000_000L) {
            memoryShown = now;
            updateMemory(null);
        }
    }

    private long memoryShown;

    private void updateHistogram() {
        int max = 0;
        for (int i = 0; i < counts.length; i++) if (counts[i] > 0) max = i;
        for (int i = 0; i <= Math.max(max, k.getValue()); i++) {
            String label = Integer.toString(i);
            if (i < accepted.getData().size()) accepted.getData().get(i).setYValue(counts[i]);
            else accepted.getData().add(new XYChart.Data<>(label, counts[i]));
        }
    }

    /**
     * The memory gauge: the run's weights, its KV cache and the rest, on CUDA of the device's memory, on the CPU of the
     * whole process's against the machine's.
     */
    private void updateMemory(RunSession.Memory run) {
        RunSession current = session;
        long[] gpu = current == null ? null : current.deviceMemory();
        RunSession.Memory m = run != null ? run : current != null ? current.memory() : RunSession.Memory.NONE;
        boolean onGpu = gpu != null && gpu[1] > 0;
        String[] parts = {lab.t("run.memory.weights"), lab.t("run.memory.kv"), lab.t(onGpu ? "run.memory.restGpu" : "run.memory.rest")};
        restPart.setText(parts[2]);
        if (onGpu) { // on CUDA: device memory used of the device's total
            Gauges.memory(memoryGauge, m.weights(), m.kvCache(), gpu[1] - gpu[0], gpu[1], parts);
            memory.setText(lab.t("run.memory.gpuDetail", Formats.bytes(m.weights()), Formats.bytes(m.kvCache()), Formats.bytes(gpu[1] - gpu[0]), Formats.bytes(gpu[1])));
            return;
        }
        long rss = RunSession.residentBytes(), total = RunSession.totalMemory();
        if (total > 0) {
            Gauges.memory(memoryGauge, m.weights(), m.kvCache(), rss, total, parts);
            memory.setText(lab.t("run.memory.detail", Formats.bytes(m.weights()), Formats.bytes(m.kvCache()), Formats.bytes(rss), Formats.bytes(total)));
            if (memory.getTooltip() == null) memory.setTooltip(new javafx.scene.control.Tooltip(lab.t("run.memory.tip")));
        }
    }

    private void finish(RunSession.Event.Done d) {
        start.setDisable(false);
        stop.setDisable(true);
        streaming = false;
        runStatus.setText(cancel.get() && stopPressed != 0
                ? lab.t("run.status.stoppedAfter", Math.max(0, (d.endedNanos() - stopPressed) / 1_000_000)) : d.status());
        if (d.tps() > 0) {
            // the median over the repeats, with its range
            tps.setText(d.tokensPerSecond().format("%.1f", lab.t("run.stat.runs")) + " " + lab.t("run.stat.tps"));
        } else {
            tps.setText("");
        }
        explanation.setText(d.explanation());
        if (d.bandwidthGbs() > 0) {
            bandwidth.setText(String.format("%.2f / %.2f GB/s", d.bandwidthGbs(), d.peakGbs()));
            Gauges.bandwidth(bandwidthGauge, d.bandwidthGbs(), d.peakGbs());
        }
        updateHistogram();
        updateMemory(d.memory());
        if (d.experiment() != null) lab.experiments.add(d.experiment());
        session = null;
        lab.running = java.util.Set.of();
    }

    /**
     * The generator sees the flag between forward passes: at once for small models, after the pass
     * under way for big ones; the view says so at once either way.
     */
    @FXML private void stop() {
        stopPressed = System.nanoTime();
        cancel.set(true);
        stop.setDisable(true);
        runStatus.setText(lab.t("run.status.stopping"));
    }

    /** The window closes or its language changes: the run ends and the view stops refreshing. */
    void close() {
        cancel.set(true);
        beat.stop();
    }
}
