package org.speclab.ui;

import java.nio.file.Files;
import java.util.List;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import org.speclab.lab.Experiment;
import org.speclab.lab.ExperimentExport;

/** Every run, with the seed's columns and what explains them; export as CSV or Markdown. */
final class ExperimentsView {
    private final Lab lab;
    private final Window owner;
    private final BorderPane root = new BorderPane();
    private final Label status = new Label();

    private final JobsView jobs;
    private final javafx.scene.chart.LineChart<Number, Number> chart =
            new javafx.scene.chart.LineChart<>(new javafx.scene.chart.NumberAxis(), new javafx.scene.chart.NumberAxis());

    ExperimentsView(Lab lab, JobsView jobs, Window owner) {
        this.lab = lab;
        this.jobs = jobs;
        this.owner = owner;
        TableView<Experiment> table = new TableView<>(lab.experiments);
        table.setId("experiments");
        table.getColumns().addAll(List.of(
                col("model", Experiment::model), col("quant", Experiment::modelQuantization),
                col("draft", Experiment::draftModel), col("k", Experiment::speculateK),
                col("tokens/s", e -> String.format("%.1f", e.tokensPerSec())), col("mean accepted", e -> fmt(e.meanAccepted())),
                col("α", e -> fmt(e.alpha())), col("c", e -> fmt(e.costRatio())),
                col("predicted", e -> e.predictedSpeedup() == null ? "" : String.format("%.2fx", e.predictedSpeedup())),
                col("measured", e -> e.measuredSpeedup() == null ? "" : String.format("%.2fx", e.measuredSpeedup())),
                col("T", Experiment::temperature), col("new tokens", Experiment::newTokens), col("device", Experiment::device)));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        Button csv = new Button(lab.t("experiments.csv")), md = new Button(lab.t("experiments.markdown")), clear = new Button(lab.t("experiments.clear"));
        csv.setOnAction(e -> export("experiments.csv", ExperimentExport.csv(List.copyOf(lab.experiments))));
        md.setOnAction(e -> export("experiments.md", ExperimentExport.markdown(List.copyOf(lab.experiments))));
        clear.setOnAction(e -> {
            lab.experiments.clear();
            save();
        });
        Button sweep = new Button(lab.t("sweep.button"));
        sweep.setId("sweep");
        sweep.setOnAction(e -> new SweepDialog(lab, owner).showAndWait()
                .ifPresent(sw -> jobs.submit(sw, rows -> lab.experiments.addAll(rows))));
        HBox bar = new HBox(10, sweep, csv, md, clear, status);
        bar.setPadding(new Insets(10));
        bar.getStyleClass().add("toolbar");
        root.setTop(bar);
        chart.setId("kChart");
        chart.setTitle(lab.t("experiments.chart"));
        chart.getXAxis().setLabel("k");
        chart.getYAxis().setLabel(lab.t("run.stat.tps"));
        chart.setAnimated(false);
        chart.setPrefHeight(300);
        javafx.scene.control.SplitPane split = new javafx.scene.control.SplitPane(table, chart);
        split.setOrientation(javafx.geometry.Orientation.VERTICAL);
        root.setCenter(split);
        lab.experiments.addListener((javafx.collections.ListChangeListener<Experiment>) c -> {
            save();
            redrawChart();
        });
    }

    private static String fmt(Double v) {
        return v == null ? "" : String.format("%.3f", v);
    }

    private static TableColumn<Experiment, String> col(String title, Function<Experiment, Object> f) {
        TableColumn<Experiment, String> c = new TableColumn<>(title);
        c.setCellValueFactory(d -> {
            Object v = f.apply(d.getValue());
            return new ReadOnlyStringWrapper(v == null ? "" : String.valueOf(v));
        });
        return c;
    }

    BorderPane root() { return root; }

    /**
     * Tokens/s against k: a line per target × drafter × temperature, the target alone as a flat line,
     * and what Theorem 3.8 predicted (baseline × predicted speedup) as dashed points.
     */
    void redrawChart() {
        chart.getData().clear();
        java.util.Map<String, javafx.scene.chart.XYChart.Series<Number, Number>> measured = new java.util.LinkedHashMap<>(), predicted = new java.util.LinkedHashMap<>();
        java.util.Map<String, Double> baseline = new java.util.HashMap<>();
        int maxK = 1;
        for (Experiment e : lab.experiments) {
            String base = e.model() + " " + e.modelQuantization() + " T" + e.temperature();
            if (e.speculateK() == null) {
                baseline.put(base, e.tokensPerSec());
                continue;
            }
            maxK = Math.max(maxK, e.speculateK());
            String key = base + " · " + e.draftModel();
            measured.computeIfAbsent(key, x -> named(x)).getData().add(new javafx.scene.chart.XYChart.Data<>(e.speculateK(), e.tokensPerSec()));
            if (e.predictedSpeedup() != null && e.measuredSpeedup() != null && e.measuredSpeedup() > 0) {
                double alone = e.tokensPerSec() / e.measuredSpeedup();
                predicted.computeIfAbsent(key, x -> named(x + " (" + lab.t("experiments.predicted") + ")"))
                        .getData().add(new javafx.scene.chart.XYChart.Data<>(e.speculateK(), alone * e.predictedSpeedup()));
            }
        }
        for (var b : baseline.entrySet()) {
            var s = named(b.getKey() + " (" + lab.t("experiments.alone") + ")");
            s.getData().add(new javafx.scene.chart.XYChart.Data<>(1, b.getValue()));
            s.getData().add(new javafx.scene.chart.XYChart.Data<>(maxK, b.getValue()));
            chart.getData().add(s);
        }
        for (var s : measured.values()) s.getData().sort(java.util.Comparator.comparingDouble(d -> d.getXValue().doubleValue()));
        for (var s : predicted.values()) s.getData().sort(java.util.Comparator.comparingDouble(d -> d.getXValue().doubleValue()));
        chart.getData().addAll(measured.values());
        chart.getData().addAll(predicted.values());
    }

    private static javafx.scene.chart.XYChart.Series<Number, Number> named(String name) {
        var s = new javafx.scene.chart.XYChart.Series<Number, Number>();
        s.setName(name);
        return s;
    }

    void load() {
        try {
            lab.experiments.setAll(lab.store.load());
            redrawChart();
        } catch (RuntimeException e) {
            status.setText(e.getMessage());
        }
    }

    private void save() {
        try {
            lab.store.save(List.copyOf(lab.experiments));
        } catch (Exception e) {
            status.setText(e.getMessage());
        }
    }

    private void export(String name, String content) {
        FileChooser fc = new FileChooser();
        fc.setInitialFileName(name);
        var f = fc.showSaveDialog(owner);
        if (f == null) return;
        try {
            Files.writeString(f.toPath(), content);
            status.setText(lab.t("experiments.saved", f));
        } catch (Exception e) {
            status.setText(e.getMessage());
        }
    }
}
