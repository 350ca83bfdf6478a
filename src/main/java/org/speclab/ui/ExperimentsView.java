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

    ExperimentsView(Lab lab, Window owner) {
        this.lab = lab;
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
        HBox bar = new HBox(10, csv, md, clear, status);
        bar.setPadding(new Insets(10));
        bar.getStyleClass().add("toolbar");
        root.setTop(bar);
        root.setCenter(table);
        lab.experiments.addListener((javafx.collections.ListChangeListener<Experiment>) c -> save());
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

    void load() {
        try {
            lab.experiments.setAll(lab.store.load());
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
