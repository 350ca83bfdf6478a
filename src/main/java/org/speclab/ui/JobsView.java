package org.speclab.ui;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.fxml.FXML;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.cell.ProgressBarTableCell;
import javafx.scene.layout.BorderPane;
import org.speclab.jobs.Job;
import org.speclab.jobs.JobCancelledException;
import org.speclab.jobs.JobRunner;

/** Running and finished jobs: progress, ETA, cancel, and each job's log. */
final class JobsView {
    /** One job as the table shows it. */
    static final class Row {
        final String title;
        final String started;
        final SimpleDoubleProperty progress = new SimpleDoubleProperty(0);
        final SimpleStringProperty state = new SimpleStringProperty("");
        final StringBuilder log = new StringBuilder();
        JobRunner.Handle<?> handle;

        Row(String title) {
            this(title, LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")));
        }

        Row(String title, String started) {
            this.title = title;
            this.started = started;
        }
    }

    private final Lab lab;
    private final BorderPane root;
    private final ObservableList<Row> rows = FXCollections.observableArrayList();
    @FXML private TableView<Row> jobs;
    @FXML private TableColumn<Row, String> titleColumn, stateColumn, startedColumn;
    @FXML private TableColumn<Row, Double> progressColumn;
    @FXML private TextArea log;

    /** A finished job as kept between sessions. */
    record Finished(String title, String started, String state, String log) {}

    private final java.nio.file.Path historyFile;

    JobsView(Lab lab, java.nio.file.Path historyFile) {
        this.lab = lab;
        this.historyFile = historyFile;
        root = lab.load("jobs.fxml", this);
        jobs.setItems(rows);
        titleColumn.setCellValueFactory(d -> new ReadOnlyStringWrapper(d.getValue().title));
        progressColumn.setCellValueFactory(d -> d.getValue().progress.asObject());
        progressColumn.setCellFactory(ProgressBarTableCell.forTableColumn());
        stateColumn.setCellValueFactory(d -> d.getValue().state);
        startedColumn.setCellValueFactory(d -> new ReadOnlyStringWrapper(d.getValue().started));
        ColumnHeaders.neverClipped(jobs);
        jobs.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> log.setText(b == null ? "" : b.log.toString()));
        loadHistory();
    }

    @FXML private void cancel() {
        Row r = jobs.getSelectionModel().getSelectedItem();
        if (r != null && r.handle != null) r.handle.cancel();
    }

    private void loadHistory() {
        {
            // an unreadable history is set aside (the lab's log says so): not worth more than an empty list
            var read = org.speclab.JsonStore.read(historyFile, new com.fasterxml.jackson.core.type.TypeReference<Finished[]>() {}, new Finished[0]);
            if (read.warning() != null) LabLog.error(read.warning(), null);
            for (Finished f : read.value()) {
                Row r = new Row(f.title(), f.started());
                r.progress.set(1);
                r.state.set(f.state());
                r.log.append(f.log());
                rows.add(r);
            }
        }
    }

    private void saveHistory() {
        try {
            List<Finished> done = rows.stream().filter(r -> r.handle == null || r.handle.result().isDone())
                    .limit(200).map(r -> new Finished(r.title, r.started, r.state.get(), r.log.toString())).toList();
            org.speclab.JsonStore.write(historyFile, done);
        } catch (Exception e) {
            // the jobs still ran; only their history is lost
        }
    }

    BorderPane root() { return root; }

    /** Runs {@code job} in the background; {@code onSuccess} runs on the JavaFX thread when it completes. */
    <T> Row submit(Job<T> job, java.util.function.Consumer<T> onSuccess) {
        Row row = new Row(job.title());
        rows.add(0, row);
        JobRunner.Handle<T> handle = lab.jobs.submit(job, p -> Platform.runLater(() -> {
            row.progress.set(p.fraction());
            row.state.set(p.message() + (p.eta() != null ? " · ETA " + format(p.eta()) : ""));
        }), line -> Platform.runLater(() -> appendLog(row, line)));
        row.handle = handle;
        handle.result().whenComplete((v, err) -> Platform.runLater(() -> {
            Throwable cause = err instanceof java.util.concurrent.CompletionException ? err.getCause() : err;
            if (cause == null) {
                row.progress.set(1);
                row.state.set(lab.t("jobs.done"));
                // a quantization's quality check is part of its result: shown with it, not only in the CLI
                if (v instanceof org.speclab.jobs.QuantizeJob.Result r && r.quality() != null) {
                    var q = r.quality();
                    row.state.set(lab.t("jobs.done") + " · " + lab.t("jobs.quality", String.format("%.1f%%", 100 * q.top1Agreement()),
                            String.format("%.4f", q.meanKl()), q.positions()));
                }
                if (onSuccess != null) onSuccess.accept(v);
            } else if (cause instanceof JobCancelledException) {
                row.state.set(lab.t("jobs.cancelled"));
            } else {
                row.state.set(lab.t("jobs.failed", cause.getMessage()));
                LabLog.error("job failed: " + row.title, cause);
            }
            appendLog(row, row.state.get());
            saveHistory();
        }));
        return row;
    }

    /** The log pane follows the selected job as its lines arrive. */
    private void appendLog(Row row, String line) {
        row.log.append(line).append('\n');
        if (jobs.getSelectionModel().getSelectedItem() == row) log.appendText(line + "\n");
    }

    private static String format(Duration d) {
        long s = d.toSeconds();
        return s < 60 ? s + " s" : (s / 60) + " min " + (s % 60) + " s";
    }
}
