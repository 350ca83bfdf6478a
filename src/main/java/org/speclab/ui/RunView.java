package org.speclab.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.geometry.Insets;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextArea;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import javafx.util.Duration;
import org.speclab.decode.GenerationListener;
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
    private final BorderPane root = new BorderPane();
    final ComboBox<ModelEntry> target = new ComboBox<>(), draftModel = new ComboBox<>();
    final ChoiceBox<String> drafter = new ChoiceBox<>();
    final Spinner<Integer> ngram = new Spinner<>(1, 8, 3), layers = new Spinner<>(1, 64, 2), k = new Spinner<>(1, 16, 4);
    final Spinner<Integer> topK = new Spinner<>(0, 100000, 40), maxTokens = new Spinner<>(1, 100000, 200);
    final Spinner<Integer> threads = new Spinner<>(1, 512, Runtime.getRuntime().availableProcessors());
    final Spinner<Double> temperature = new Spinner<>(0.0, 2.0, 0.0, 0.1), topP = new Spinner<>(0.0, 1.0, 1.0, 0.05);
    final CheckBox adaptive = new CheckBox(), baseline = new CheckBox();
    final TextArea prompt = new TextArea("Once upon a time");
    final Button start = new Button(), stop = new Button();
    final TextFlow stream = new TextFlow();
    final Label status = new Label(), tps = new Label(), explanation = new Label(), memory = new Label(), bandwidth = new Label();
    final ProgressBar memoryBar = new ProgressBar(0), bandwidthBar = new ProgressBar(0);
    final XYChart.Series<String, Number> histogram = new XYChart.Series<>();
    final XYChart.Series<Number, Number> speed = new XYChart.Series<>();
    private final ConcurrentLinkedQueue<RunSession.Event> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean cancel = new AtomicBoolean();
    private final Timeline beat;
    private volatile RunSession session;
    private long[] counts = new long[17];
    private int shown;
    private long startNanos;

    RunView(Lab lab) {
        this.lab = lab;
        root.setLeft(controls());
        root.setCenter(output());
        beat = new Timeline(new KeyFrame(Duration.millis(1000.0 / FRAMES_PER_SECOND), e -> drain()));
        beat.setCycleCount(Timeline.INDEFINITE);
        beat.play();
        lab.models.addListener((javafx.collections.ListChangeListener<ModelEntry>) c -> refreshModels());
        refreshModels();
    }

    BorderPane root() { return root; }

    private void refreshModels() {
        List<ModelEntry> usable = lab.models.stream().filter(ModelEntry::readable).filter(m -> !m.format().equals("huggingface")).toList();
        ModelEntry t = target.getValue(), d = draftModel.getValue();
        target.getItems().setAll(usable);
        draftModel.getItems().setAll(usable);
        if (t != null && usable.contains(t)) target.setValue(t);
        else if (!usable.isEmpty()) target.setValue(usable.stream().max(java.util.Comparator.comparingLong(ModelEntry::parameters)).orElseThrow());
        if (d != null && usable.contains(d)) draftModel.setValue(d);
    }

    private VBox controls() {
        target.setId("target");
        draftModel.setId("draftModel");
        drafter.setId("drafter");
        javafx.util.StringConverter<ModelEntry> names = new javafx.util.StringConverter<>() {
            @Override
            public String toString(ModelEntry m) { return m == null ? "" : m.name() + "  (" + m.weightType() + ", " + Formats.bytes(m.sizeBytes()) + ")"; }

            @Override
            public ModelEntry fromString(String s) { return null; }
        };
        target.setConverter(names);
        draftModel.setConverter(names);
        drafter.getItems().addAll(lab.t("run.drafter.none"), lab.t("run.drafter.model"), lab.t("run.drafter.ngram"), lab.t("run.drafter.layers"));
        drafter.getSelectionModel().select(0);
        adaptive.setText(lab.t("run.adaptive"));
        baseline.setText(lab.t("run.baseline"));
        baseline.setSelected(true);
        baseline.setWrapText(true);
        for (Spinner<?> s : List.of(ngram, layers, k, topK, maxTokens, threads, temperature, topP)) {
            s.setEditable(true);
            s.setPrefWidth(110);
        }
        maxTokens.setId("maxTokens");
        temperature.setId("temperature");
        prompt.setId("prompt");
        prompt.setPrefRowCount(4);
        prompt.setWrapText(true);
        start.setText(lab.t("run.start"));
        start.setId("start");
        start.setDefaultButton(true);
        start.setOnAction(e -> start());
        stop.setText(lab.t("run.stop"));
        stop.setId("stop");
        stop.setDisable(true);
        stop.setOnAction(e -> cancel.set(true));
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(6);
        int r = 0;
        g.addRow(r++, new Label(lab.t("run.target")), target);
        g.addRow(r++, new Label(lab.t("run.drafter")), drafter);
        g.addRow(r++, new Label(lab.t("run.draftModel")), draftModel);
        g.addRow(r++, new Label(lab.t("run.ngram")), ngram);
        g.addRow(r++, new Label(lab.t("run.layers")), layers);
        g.addRow(r++, new Label(lab.t("run.k")), new HBox(8, k, adaptive));
        g.addRow(r++, new Label(lab.t("run.temperature")), temperature);
        g.addRow(r++, new Label(lab.t("run.topk")), topK);
        g.addRow(r++, new Label(lab.t("run.topp")), topP);
        g.addRow(r++, new Label(lab.t("run.maxTokens")), maxTokens);
        g.addRow(r++, new Label(lab.t("run.threads")), threads);
        Label device = new Label();
        device.setId("device");
        device.setWrapText(true);
        g.addRow(r, new Label(lab.t("run.device")), device);
        // CUDA is probed off the JavaFX thread: loading the driver library can take a moment
        Thread probe = new Thread(() -> {
            var cuda = org.speclab.engine.cuda.CudaProbe.probe();
            String text = "CPU" + (cuda.available() ? " · CUDA: " + String.join(", ", cuda.devices()) + " (" + lab.t("run.device.cudaLater") + ")"
                    : " · CUDA: " + cuda.reason());
            javafx.application.Platform.runLater(() -> device.setText(text));
        }, "cuda-probe");
        probe.setDaemon(true);
        probe.start();
        javafx.scene.layout.ColumnConstraints labels = new javafx.scene.layout.ColumnConstraints();
        labels.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        g.getColumnConstraints().add(labels);
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
        status.setId("runStatus");
        status.setWrapText(true);
        VBox box = new VBox(8, g, baseline, new Label(lab.t("run.prompt")), prompt, new HBox(8, start, stop), status);
        box.setPadding(new Insets(10));
        box.setPrefWidth(420);
        box.getStyleClass().add("controls");
        return box;
    }

    private VBox output() {
        stream.setId("stream");
        stream.getStyleClass().add("stream");
        ScrollPane scroll = new ScrollPane(stream);
        scroll.setFitToWidth(true);
        scroll.setPrefHeight(300);
        stream.heightProperty().addListener((o, a, b) -> scroll.setVvalue(1.0));
        HBox legend = new HBox(14, chip(lab.t("run.legend.prompt"), TokenKind.PROMPT), chip(lab.t("run.legend.accepted"), TokenKind.ACCEPTED_DRAFT),
                chip(lab.t("run.legend.target"), TokenKind.TARGET), chip(lab.t("run.legend.bonus"), TokenKind.BONUS));
        BarChart<String, Number> hist = new BarChart<>(new CategoryAxis(), new NumberAxis());
        hist.setId("histogram");
        hist.setTitle(lab.t("run.histogram"));
        hist.setLegendVisible(false);
        hist.setAnimated(false);
        hist.getData().add(histogram);
        hist.setPrefHeight(220);
        NumberAxis time = new NumberAxis();
        time.setLabel("s");
        LineChart<Number, Number> line = new LineChart<>(time, new NumberAxis());
        line.setTitle(lab.t("run.speed"));
        line.setLegendVisible(false);
        line.setAnimated(false);
        line.setCreateSymbols(false);
        line.getData().add(speed);
        line.setPrefHeight(220);
        tps.setId("tps");
        tps.getStyleClass().add("big-number");
        explanation.setId("explanation");
        explanation.setWrapText(true);
        explanation.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        memoryBar.setPrefWidth(220);
        bandwidthBar.setPrefWidth(220);
        GridPane gauges = new GridPane();
        gauges.setHgap(8);
        gauges.setVgap(6);
        gauges.addRow(0, new Label(lab.t("run.memory")), memoryBar, memory);
        gauges.addRow(1, new Label(lab.t("run.bandwidth")), bandwidthBar, bandwidth);
        VBox explain = new VBox(6, new Label(lab.t("run.explain")), explanation);
        explain.getStyleClass().add("explain");
        VBox box = new VBox(8, legend, scroll, new HBox(12, tps, gauges), explain, new HBox(8, hist, line));
        box.setPadding(new Insets(10));
        return box;
    }

    private static Label chip(String text, TokenKind kind) {
        Label l = new Label(text);
        l.getStyleClass().addAll("chip", "token-" + kind.name().toLowerCase());
        return l;
    }

    private void start() {
        ModelEntry t = target.getValue();
        if (t == null) return;
        cancel.set(false);
        events.clear();
        stream.getChildren().clear();
        histogram.getData().clear();
        speed.getData().clear();
        explanation.setText("");
        counts = new long[17];
        shown = 0;
        startNanos = System.nanoTime();
        start.setDisable(true);
        stop.setDisable(false);
        int kind = drafter.getSelectionModel().getSelectedIndex();
        RunSession.Settings s = new RunSession.Settings(t.path(), kind == 1 && draftModel.getValue() != null ? draftModel.getValue().path() : null,
                kind, ngram.getValue(), layers.getValue(), k.getValue(), adaptive.isSelected(), temperature.getValue().floatValue(),
                topK.getValue(), topP.getValue().floatValue(), maxTokens.getValue(), threads.getValue(), baseline.isSelected() && kind > 0,
                prompt.getText());
        RunSession run = new RunSession(s, lab, events, cancel);
        session = run;
        Thread th = new Thread(run, "speclab-run");
        th.setDaemon(true);
        th.start();
    }

    /** Applies queued events, at most {@link #FRAMES_PER_SECOND} times a second, on the JavaFX thread. */
    private void drain() {
        List<Text> pending = new ArrayList<>();
        RunSession.Event e;
        while ((e = events.poll()) != null) {
            switch (e) {
                case RunSession.Event.Token tok -> {
                    if (!tok.text().isEmpty()) {
                        Text last = pending.isEmpty() ? null : pending.getLast();
                        if (last != null && last.getUserData() == tok.kind()) last.setText(last.getText() + tok.text());
                        else {
                            Text x = new Text(tok.text());
                            x.setUserData(tok.kind());
                            x.getStyleClass().add("token-" + tok.kind().name().toLowerCase());
                            pending.add(x);
                        }
                    }
                    if (tok.kind() != TokenKind.PROMPT) shown++;
                }
                case RunSession.Event.Step step -> counts[Math.min(step.accepted(), 16)]++;
                case RunSession.Event.Status st -> status.setText(st.text());
                case RunSession.Event.Done d -> finish(d);
            }
        }
        if (!pending.isEmpty()) stream.getChildren().addAll(pending);
        double secs = (System.nanoTime() - startNanos) / 1e9;
        if (session != null && shown > 0 && secs > 0) {
            tps.setText(String.format("%.1f %s", shown / secs, lab.t("run.stat.tps")));
            if (speed.getData().size() < 2000) speed.getData().add(new XYChart.Data<>(secs, shown / secs));
            updateHistogram();
            updateMemory();
        }
    }

    private void updateHistogram() {
        int max = 0;
        for (int i = 0; i < counts.length; i++) if (counts[i] > 0) max = i;
        for (int i = 0; i <= Math.max(max, k.getValue()); i++) {
            String label = Integer.toString(i);
            if (i < histogram.getData().size()) histogram.getData().get(i).setYValue(counts[i]);
            else histogram.getData().add(new XYChart.Data<>(label, counts[i]));
        }
    }

    private void updateMemory() {
        long rss = RunSession.residentBytes(), total = RunSession.totalMemory();
        if (total > 0) {
            memoryBar.setProgress((double) rss / total);
            memory.setText(Formats.bytes(rss) + " / " + Formats.bytes(total));
        }
    }

    private void finish(RunSession.Event.Done d) {
        start.setDisable(false);
        stop.setDisable(true);
        status.setText(d.status());
        if (d.tokensPerSecond() > 0) tps.setText(String.format("%.1f %s", d.tokensPerSecond(), lab.t("run.stat.tps")));
        explanation.setText(d.explanation());
        if (d.bandwidthGbs() > 0) {
            bandwidth.setText(String.format("%.2f / %.2f GB/s", d.bandwidthGbs(), d.peakGbs()));
            bandwidthBar.setProgress(d.peakGbs() > 0 ? Math.min(1, d.bandwidthGbs() / d.peakGbs()) : 0);
        }
        updateHistogram();
        updateMemory();
        if (d.experiment() != null) lab.experiments.add(d.experiment());
        session = null;
    }

    void stop() {
        cancel.set(true);
        beat.stop();
    }
}
