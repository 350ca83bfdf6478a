package org.speclab.ui;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.ObservableList;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.cell.ProgressBarTableCell;
import javafx.scene.layout.BorderPane;
import org.speclab.jobs.Job;
import org.speclab.jobs.JobCancelledException;
import org.speclab.jobs.JobRunner;
import org.speclab.jobs.JobTexts;
import org.speclab.jobs.QualityReport;

/** Running and finished jobs: progress, ETA, cancel, and each job's log. */
final class JobsView {
    /** How a job ended; kept rather than its words, so a finished job reads in the language chosen now. */
    enum Outcome { DONE, CANCELLED, FAILED }

    /** One job as the table shows it. */
    static final class Row {
        final String title;
        final String started;
        final SimpleDoubleProperty progress = new SimpleDoubleProperty(0);
        final SimpleStringProperty state = new SimpleStringProperty("");
        final StringBuilder log = new StringBuilder();
        JobRunner.Handle<?> handle;
        /** Null while it runs (and for jobs recorded before outcomes were kept). */
        Outcome outcome;
        String error;
        /** A quantization's check against its source: top-1 agreement and KL. */
        QualityReport quality;
        /** The title as words to say again, so it follows the language chosen (null for jobs kept before titles were). */
        JobTexts.Title titleText;

        /** The title in the language jobs speak now. */
        String title() {
            if (titleText != null) {
                try {
                    return titleText.render();
                } catch (RuntimeException e) { // a key this version no longer has (an older history): as it was written
                    return title;
                }
            }
            return title;
        }

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
    private final ObservableList<Row> rows;
    @FXML private TableView<Row> jobs;
    @FXML private TableColumn<Row, String> titleColumn, stateColumn, startedColumn;
    @FXML private TableColumn<Row, Double> progressColumn;
    @FXML private TextArea log;
    @FXML private Label detail;

    /** A finished job as kept between sessions. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    record Finished(String title, String started, String state, String log, Outcome outcome, String error, QualityReport quality,
                    JobTexts.Title titleText) {}

    private final java.nio.file.Path historyFile;

    /**
     * {@code rows} outlives the view (the application keeps it): a language switch builds a new view
     * over the same jobs, running or finished, and says again in the new language how each ended.
     */
    JobsView(Lab lab, java.nio.file.Path historyFile, ObservableList<Row> rows) {
        this.lab = lab;
        this.historyFile = historyFile;
        this.rows = rows;
        root = lab.load("jobs.fxml", this);
        jobs.setItems(rows);
        titleColumn.setCellValueFactory(d -> new ReadOnlyStringWrapper(d.getValue().title()));
        progressColumn.setCellValueFactory(d -> d.getValue().progress.asObject());
        progressColumn.setCellFactory(ProgressBarTableCell.forTableColumn());
        stateColumn.setCellValueFactory(d -> d.getValue().state);
        startedColumn.setCellValueFactory(d -> new ReadOnlyStringWrapper(d.getValue().started));
        ColumnHeaders.neverClipped(jobs);
        jobs.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            log.setText(b == null ? "" : b.log.toString());
            showDetail(b);
        });
        if (rows.isEmpty()) loadHistory();
        else for (Row r : rows) if (r.outcome != null) r.state.set(describe(r));
    }

    /** How a finished job ended, in this view's language. */
    private String describe(Row r) {
        return describe(lab, r);
    }

    private static String describe(Lab lab, Row r) {
        return switch (r.outcome) {
            case DONE -> lab.t("jobs.done") + (r.quality == null ? "" : " · " + lab.t("jobs.quality", percent(r.quality.top1Agreement()),
                    String.format("%.4f", r.quality.meanKl()), r.quality.positions()));
            case CANCELLED -> lab.t("jobs.cancelled");
            case FAILED -> lab.t("jobs.failed", r.error);
        };
    }

    private static String percent(double fraction) {
        return String.format("%.1f%%", 100 * fraction);
    }

    /** The selected job's detail above its log: what it is, and for a quantization how far it moved the model. */
    private void showDetail(Row r) {
        if (r == null) {
            detail.setText("");
            return;
        }
        String text = r.title() + "\n" + r.state.get();
        if (r.quality != null) {
            QualityReport q = r.quality;
            text += "\n" + lab.t("jobs.detail.quality", q.positions(), percent(q.top1Agreement()), String.format("%.5f", q.meanKl()),
                    String.format("%.4f", q.maxKl()));
        }
        detail.setText(text);
    }

    @FXML private void cancel() {
        Row r = jobs.getSelectionModel().getSelectedItem();
        if (r != null && r.handle != null) r.handle.cancel();
    }

    private void loadHistory() {
        rows.addAll(readHistory(historyFile, lab));
    }

    /**
     * The finished jobs kept in {@code historyFile}, described in {@code lab}'s language. A file that
     * cannot be read is set aside (the lab's log says so): not worth more than an empty list; entries
     * that are empty or name no outcome the lab knows are shown as they were recorded, or skipped.
     */
    static List<Row> readHistory(java.nio.file.Path historyFile, Lab lab) {
        var read = org.speclab.JsonStore.read(historyFile, new com.fasterxml.jackson.core.type.TypeReference<Finished[]>() {}, new Finished[0]);
        if (read.warning() != null) LabLog.error(read.warning(), null);
        List<Row> out = new java.util.ArrayList<>();
        for (Finished f : read.value()) {
            if (f == null) continue;
            Row r = new Row(f.title() == null ? "" : f.title(), f.started() == null ? "" : f.started());
            r.progress.set(1);
            r.outcome = f.outcome();
            r.error = f.error();
            r.quality = f.quality();
            r.titleText = f.titleText() == null || f.titleText().key() == null || f.titleText().args() == null ? null : f.titleText();
            r.state.set(r.outcome != null ? describe(lab, r) : f.state() == null ? "" : f.state());
            if (f.log() != null) r.log.append(f.log());
            out.add(r);
        }
        return out;
    }

    private void saveHistory() {
        try {
            List<Finished> done = rows.stream().filter(r -> r.handle == null || r.handle.result().isDone())
                    .limit(200).map(r -> new Finished(r.title(), r.started, r.state.get(), r.log.toString(), r.outcome, r.error, r.quality, r.titleText)).toList();
            org.speclab.JsonStore.write(historyFile, done);
        } catch (Exception e) {
            // the jobs still ran; only their history is lost
        }
    }

    BorderPane root() { return root; }

    /** Runs {@code job} in the background; {@code onSuccess} runs on the JavaFX thread when it completes. */
    <T> Row submit(Job<T> job, java.util.function.Consumer<T> onSuccess) {
        Row row = new Row(job.title());
        row.titleText = job.titleText();
        rows.add(0, row);
        JobRunner.Handle<T> handle = lab.jobs.submit(job, p -> Platform.runLater(() -> {
            row.progress.set(p.fraction());
            row.state.set(p.message() + (p.eta() != null ? " · " + lab.t("jobs.eta", format(p.eta())) : ""));
        }), line -> Platform.runLater(() -> appendLog(row, line)));
        row.handle = handle;
        handle.result().whenComplete((v, err) -> Platform.runLater(() -> {
            Throwable cause = err instanceof java.util.concurrent.CompletionException ? err.getCause() : err;
            if (cause == null) {
                row.progress.set(1);
                row.outcome = Outcome.DONE;
                // a quantization's quality check is part of its result: shown with it, not only in the CLI
                if (v instanceof org.speclab.jobs.QuantizeJob.Result r) row.quality = r.quality();
                if (onSuccess != null) onSuccess.accept(v);
            } else if (cause instanceof JobCancelledException) {
                row.outcome = Outcome.CANCELLED;
            } else {
                row.outcome = Outcome.FAILED;
                row.error = cause.getMessage();
                LabLog.error("job failed: " + row.title(), cause);
            }
            row.state.set(describe(row));
            appendLog(row, row.state.get());
            if (jobs.getSelectionModel().getSelectedItem() == row) showDetail(row);
            saveHistory();
        }));
        return row;
    }

    /** The log pane follows the selected job as its lines arrive. */
    private void appendLog(Row row, String line) {
        row.log.append(line).append('\n');
        if (jobs.getSelectionModel().getSelectedItem() == row) log.appendText(line + "\n");
    }

    private String format(Duration d) {
        long s = d.toSeconds();
        return s < 60 ? lab.t("jobs.seconds", s) : lab.t("jobs.minutes", s / 60, s % 60);
    }
}
