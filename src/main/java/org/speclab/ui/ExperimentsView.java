package org.speclab.ui;

import java.nio.file.Files;
import java.util.List;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.fxml.FXML;
import javafx.css.PseudoClass;
import javafx.scene.chart.NumberAxis;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import org.speclab.lab.DrafterLabel;
import org.speclab.lab.Experiment;
import org.speclab.lab.ExperimentExport;
import org.speclab.lab.RepeatedRuns;
import org.speclab.lab.Sweep;

/**
 * Every run, with the seed's columns and what explains them (α, c and the prediction on their headers), drafters named by
 * file, n or layers, stopped runs greyed and marked; the chart below (ExperimentsChart); export as CSV or Markdown. Laid out
 * in experiments.fxml.
 */
final class ExperimentsView {
    private final Lab lab;
    private final Window owner;
    private final BorderPane root;
    private final JobsView jobs;
    @FXML private Label experimentsStatus;
    @FXML private TableView<Experiment> experiments;
    @FXML private TableColumn<Experiment, String> modelColumn, quantColumn, draftColumn, kColumn, tpsColumn, acceptedColumn, alphaColumn,
            costColumn, predictedColumn, measuredColumn, temperatureColumn, newTokensColumn, deviceColumn, promptColumn, statusColumn;
    @FXML private ErrorBarChart kChart;
    @FXML private NumberAxis kAxis;
    @FXML private FlowPane kLegend;
    private final ExperimentsChart chart;
    private final Tooltip stoppedTip;

    ExperimentsView(Lab lab, JobsView jobs, Window owner) {
        this.lab = lab;
        this.jobs = jobs;
        this.owner = owner;
        root = lab.load("experiments.fxml", this);
        experiments.setItems(lab.experiments);
        col(modelColumn, Experiment::model);
        col(quantColumn, Experiment::modelQuantization);
        col(draftColumn, e -> drafter(lab, e));
        col(kColumn, Experiment::speculateK);
        col(tpsColumn, e -> Sweep.OUT_OF_MEMORY.equals(e.stopReason()) ? "OOM" : String.format("%.1f", e.tokensPerSec()));
        col(acceptedColumn, e -> fmt(e.meanAccepted()));
        col(alphaColumn, e -> fmt(e.alpha()));
        col(costColumn, e -> fmt(e.costRatio()));
        col(predictedColumn, e -> e.predictedSpeedup() == null ? "" : String.format("%.2fx", e.predictedSpeedup()));
        col(measuredColumn, e -> e.measuredSpeedup() == null ? "" : String.format("%.2fx", e.measuredSpeedup()));
        col(temperatureColumn, ExperimentsView::temperature);
        col(newTokensColumn, Experiment::newTokens);
        col(deviceColumn, Experiment::device);
        col(promptColumn, Experiment::prompt);
        // how each run ended: token limit, end of text, stopped (the Run view's Stop) or out of memory (not run)
        col(statusColumn, this::ended);
        stoppedTip = new Tooltip(lab.t("experiments.tip.stopped"));
        stoppedTip.setWrapText(true);
        stoppedTip.setMaxWidth(420);
        markStopped();
        chart = new ExperimentsChart(lab, kChart, kAxis, kLegend);
        ColumnHeaders.explain(acceptedColumn, lab.t("experiments.tip.accepted"));
        ColumnHeaders.explain(alphaColumn, lab.t("experiments.tip.alpha"));
        ColumnHeaders.explain(costColumn, lab.t("experiments.tip.c"));
        ColumnHeaders.explain(predictedColumn, lab.t("experiments.tip.predicted"));
        ColumnHeaders.explain(measuredColumn, lab.t("experiments.tip.measured"));
        ColumnHeaders.explain(draftColumn, lab.t("experiments.tip.drafter"));
        ColumnHeaders.explain(statusColumn, lab.t("experiments.tip.status"));
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

    void redrawChart() {
        chart.draw(List.copyOf(lab.experiments));
    }

    /** The drafter as a researcher names it: the draft model's file, n-gram lookup's n, or early exit's layers. */
    static String drafter(Lab lab, Experiment e) {
        return Wording.drafter(lab, DrafterLabel.of(e));
    }

    /** The temperature as it was set: runs record a float as a double, which would read 0.800000011920929. */
    static String temperature(Experiment e) {
        return String.valueOf((float) e.temperature());
    }

    /** How a run ended, in the user's language; the stop reasons are the decoders' own words. */
    private String ended(Experiment e) {
        String r = e.stopReason();
        if (r == null) return "";
        return switch (r) {
            case Sweep.OUT_OF_MEMORY -> lab.t("experiments.oom");
            case RepeatedRuns.STOPPED -> lab.t("experiments.end.stopped");
            case "length" -> lab.t("experiments.end.length");
            case "eos" -> lab.t("experiments.end.eos");
            default -> r;
        };
    }

    /** Stopped runs stay in the table, greyed and marked, with the reason they are not in the chart. */
    private void markStopped() {
        experiments.setRowFactory(t -> new TableRow<>() {
            @Override
            protected void updateItem(Experiment e, boolean empty) {
                super.updateItem(e, empty);
                boolean stopped = !empty && e != null && RepeatedRuns.stopped(e);
                pseudoClassStateChanged(STOPPED, stopped);
                setTooltip(stopped ? stoppedTip : null);
            }
        });
    }

    private static final PseudoClass STOPPED = PseudoClass.getPseudoClass("stopped");

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
        java.nio.file.Path last = lab.settings.get().exportFolderPath();
        if (last != null && Files.isDirectory(last)) fc.setInitialDirectory(last.toFile());
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
