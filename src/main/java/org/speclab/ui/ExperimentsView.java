package org.speclab.ui;

import java.nio.file.Files;
import java.util.List;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.fxml.FXML;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import org.speclab.lab.Experiment;
import org.speclab.lab.ExperimentExport;

/** Every run, with the seed's columns and what explains them; export as CSV or Markdown. Laid out in experiments.fxml. */
final class ExperimentsView {
    private final Lab lab;
    private final Window owner;
    private final BorderPane root;
    private final JobsView jobs;
    @FXML private Label experimentsStatus;
    @FXML private TableView<Experiment> experiments;
    @FXML private TableColumn<Experiment, String> modelColumn, quantColumn, draftColumn, kColumn, tpsColumn, acceptedColumn, alphaColumn,
            costColumn, predictedColumn, measuredColumn, temperatureColumn, newTokensColumn, deviceColumn, promptColumn, statusColumn;
    @FXML private LineChart<Number, Number> kChart;
    @FXML private NumberAxis kAxis;

    ExperimentsView(Lab lab, JobsView jobs, Window owner) {
        this.lab = lab;
        this.jobs = jobs;
        this.owner = owner;
        root = lab.load("experiments.fxml", this);
        experiments.setItems(lab.experiments);
        col(modelColumn, Experiment::model);
        col(quantColumn, Experiment::modelQuantization);
        col(draftColumn, Experiment::draftModel);
        col(kColumn, Experiment::speculateK);
        col(tpsColumn, e -> org.speclab.lab.Sweep.OUT_OF_MEMORY.equals(e.stopReason()) ? "OOM" : String.format("%.1f", e.tokensPerSec()));
        col(acceptedColumn, e -> fmt(e.meanAccepted()));
        col(alphaColumn, e -> fmt(e.alpha()));
        col(costColumn, e -> fmt(e.costRatio()));
        col(predictedColumn, e -> e.predictedSpeedup() == null ? "" : String.format("%.2fx", e.predictedSpeedup()));
        col(measuredColumn, e -> e.measuredSpeedup() == null ? "" : String.format("%.2fx", e.measuredSpeedup()));
        col(temperatureColumn, Experiment::temperature);
        col(newTokensColumn, Experiment::newTokens);
        col(deviceColumn, Experiment::device);
        col(promptColumn, Experiment::prompt);
        // how each run ended: length, eos, stopped (the Run view's Stop) or out of memory (not run)
        col(statusColumn, e -> org.speclab.lab.Sweep.OUT_OF_MEMORY.equals(e.stopReason()) ? lab.t("experiments.oom") : e.stopReason());
        ColumnHeaders.explain(acceptedColumn, lab.t("experiments.tip.accepted"));
        ColumnHeaders.explain(alphaColumn, lab.t("experiments.tip.alpha"));
        ColumnHeaders.explain(costColumn, lab.t("experiments.tip.c"));
        ColumnHeaders.explain(predictedColumn, lab.t("experiments.tip.predicted"));
        ColumnHeaders.explain(measuredColumn, lab.t("experiments.tip.measured"));
        ColumnHeaders.neverClipped(experiments);
        lab.experiments.addListener((javafx.collections.ListChangeListener<Experiment>) c -> {
            save();
            redrawChart();
        });
    }

    @FXML private void sweep() {
        new SweepDialog(lab, owner).showAndWait().ifPresent(sw -> jobs.submit(sw, rows -> lab.experiments.addAll(rows)));
    }

    @FXML private void exportCsv() { export("experiments.csv", ExperimentExport.csv(List.copyOf(lab.experiments))); }

    @FXML private void exportMarkdown() { export("experiments.md", ExperimentExport.markdown(List.copyOf(lab.experiments))); }

    @FXML private void clear() {
        lab.experiments.clear();
        save();
    }

    private static String fmt(Double v) {
        return v == null ? "" : String.format("%.3f", v);
    }

    private static void col(TableColumn<Experiment, String> c, Function<Experiment, Object> f) {
        c.setCellValueFactory(d -> {
            Object v = f.apply(d.getValue());
            return new ReadOnlyStringWrapper(v == null ? "" : String.valueOf(v));
        });
        c.setComparator(NUMBERS_BY_VALUE);
    }

    /** Sorting by a column orders 12.5 before 100 and 0.95x before 1.10x, not as text; blanks go last. */
    static final java.util.Comparator<String> NUMBERS_BY_VALUE = (a, b) -> {
        if (a.isEmpty() || b.isEmpty()) return Boolean.compare(a.isEmpty(), b.isEmpty());
        Double x = number(a), y = number(b);
        return x != null && y != null ? Double.compare(x, y) : a.compareTo(b);
    };

    private static Double number(String s) {
        try {
            return Double.valueOf(s.endsWith("x") ? s.substring(0, s.length() - 1) : s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    BorderPane root() { return root; }

    /**
     * Tokens/s against k: a line per target × drafter × temperature, the target alone as a flat line,
     * and what Theorem 3.8 predicted (baseline × predicted speedup) as dashed points.
     */
    void redrawChart() {
        kChart.getData().clear();
        java.util.Map<String, javafx.scene.chart.XYChart.Series<Number, Number>> measured = new java.util.LinkedHashMap<>(), predicted = new java.util.LinkedHashMap<>();
        java.util.Map<String, Double> baseline = new java.util.HashMap<>();
        int maxK = 1;
        long prompts = lab.experiments.stream().map(Experiment::prompt).distinct().count();
        for (Experiment e : lab.experiments) {
            if (org.speclab.lab.Sweep.OUT_OF_MEMORY.equals(e.stopReason())) continue; // not run
            // one line per target, temperature (and prompt, when runs differ in it)
            String base = e.model() + " " + e.modelQuantization() + " T" + e.temperature() + (prompts > 1 ? " «" + e.prompt() + "»" : "");
            if (e.speculateK() == null) {
                baseline.put(base, e.tokensPerSec());
                continue;
            }
            maxK = Math.max(maxK, e.speculateK());
            String key = base + " · " + e.draftModel();
            measured.computeIfAbsent(key, x -> named(x)).getData().add(new javafx.scene.chart.XYChart.Data<>(e.speculateK(), e.tokensPerSec()));
            // the target alone measured beside this run (older records: derived from the measured speedup)
            Double alone = e.baselineTokensPerSec() != null ? e.baselineTokensPerSec()
                    : e.measuredSpeedup() != null && e.measuredSpeedup() > 0 ? e.tokensPerSec() / e.measuredSpeedup() : null;
            if (e.predictedSpeedup() != null && alone != null) {
                predicted.computeIfAbsent(key, x -> named(x + " (" + lab.t("experiments.predicted") + ")"))
                        .getData().add(new javafx.scene.chart.XYChart.Data<>(e.speculateK(), alone * e.predictedSpeedup()));
            }
        }
        // k is a whole number: one tick per k, with room either side so no point sits on the frame
        kAxis.setUpperBound(maxK + 1);
        for (var b : baseline.entrySet()) {
            var s = named(b.getKey() + " (" + lab.t("experiments.alone") + ")");
            s.getData().add(new javafx.scene.chart.XYChart.Data<>(1, b.getValue()));
            s.getData().add(new javafx.scene.chart.XYChart.Data<>(maxK, b.getValue()));
            kChart.getData().add(s);
        }
        for (var s : measured.values()) s.getData().sort(java.util.Comparator.comparingDouble(d -> d.getXValue().doubleValue()));
        for (var s : predicted.values()) s.getData().sort(java.util.Comparator.comparingDouble(d -> d.getXValue().doubleValue()));
        kChart.getData().addAll(measured.values());
        kChart.getData().addAll(predicted.values());
        for (var p : predicted.values()) if (p.getNode() != null) p.getNode().getStyleClass().add("predicted");
    }

    private static javafx.scene.chart.XYChart.Series<Number, Number> named(String name) {
        var s = new javafx.scene.chart.XYChart.Series<Number, Number>();
        s.setName(name);
        return s;
    }

    void load() {
        try {
            var read = lab.store.load();
            lab.experiments.setAll(read.value());
            if (read.warning() != null) experimentsStatus.setText(read.warning());
            redrawChart();
        } catch (RuntimeException e) {
            experimentsStatus.setText(e.getMessage());
        }
    }

    private void save() {
        try {
            lab.store.save(List.copyOf(lab.experiments));
        } catch (Exception e) {
            experimentsStatus.setText(e.getMessage());
        }
    }

    /** Asks where an export goes, in a save dialog set up by the view (tests, which cannot click a native dialog, answer it themselves). Null: cancelled. */
    static volatile java.util.function.BiFunction<Window, FileChooser, java.nio.file.Path> saveAs = (owner, fc) -> {
        var f = fc.showSaveDialog(owner);
        return f == null ? null : f.toPath();
    };

    /** Exports start in the folder last exported to. */
    private void export(String name, String content) {
        FileChooser fc = new FileChooser();
        fc.setInitialFileName(name);
        String last = lab.settings.get().exportFolder();
        if (last != null && Files.isDirectory(java.nio.file.Path.of(last))) fc.setInitialDirectory(new java.io.File(last));
        java.nio.file.Path f = saveAs.apply(owner, fc);
        if (f == null) return;
        try {
            Files.writeString(f, content);
            experimentsStatus.setText(lab.t("experiments.saved", f));
            lab.remember.accept(s -> s.withExportFolder(f.toAbsolutePath().getParent()));
        } catch (Exception e) {
            LabLog.error("export failed", e);
            experimentsStatus.setText(lab.t("experiments.exportFailed", f, e.getMessage()));
        }
    }
}
