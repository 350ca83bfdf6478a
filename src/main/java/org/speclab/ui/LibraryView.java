package org.speclab.ui;

import java.nio.file.Path;
import java.util.List;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ObservableList;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.stage.DirectoryChooser;
import javafx.stage.Window;
import org.speclab.library.ModelEntry;
import org.speclab.library.ModelLibrary;

/** Models found in a folder, scanned off the JavaFX thread; laid out in library.fxml. */
final class LibraryView {
    private final BorderPane root;
    @FXML private TableView<ModelEntry> models;
    @FXML private TableColumn<ModelEntry, String> nameColumn, formatColumn, archColumn, paramsColumn, weightsColumn, sizeColumn,
            contextColumn, vocabColumn, fitsColumn, statusColumn;
    @FXML private Label folderLabel, status;
    private final ObservableList<ModelEntry> rows;
    private final Window owner;
    private final Lab lab;
    private Path folder;

    private final JobsView jobs;

    /** Folders scanned besides the chosen one. */
    private final List<Path> extraFolders;
    private final FolderWatcher watcher = new FolderWatcher(() -> Platform.runLater(this::rescan));

    LibraryView(Lab lab, JobsView jobs, Path folder, List<Path> extraFolders, Window owner) {
        this.lab = lab;
        this.extraFolders = extraFolders;
        this.jobs = jobs;
        this.rows = lab.models;
        this.folder = folder;
        this.owner = owner;
        root = lab.load("library.fxml", this);
        models.setItems(rows);
        text(nameColumn, ModelEntry::name);
        text(formatColumn, ModelEntry::format);
        text(archColumn, ModelEntry::architecture);
        text(paramsColumn, e -> e.parameters() > 0 ? Formats.count(e.parameters()) : "");
        text(weightsColumn, ModelEntry::weightType);
        text(sizeColumn, e -> Formats.bytes(e.sizeBytes()));
        text(contextColumn, e -> e.contextLength() > 0 ? Integer.toString(e.contextLength()) : "");
        text(vocabColumn, e -> e.vocabSize() > 0 ? Integer.toString(e.vocabSize()) : "");
        text(fitsColumn, this::fitsInRam);
        text(statusColumn, e -> e.readable() ? lab.t("library.ready") : e.problem());
        updateFolderLabel();
    }

    @FXML private void quantize() { withSelection(LibraryActions::quantize); }

    @FXML private void convert() { withSelection(LibraryActions::convert); }

    @FXML private void delete() { withSelection(LibraryActions::delete); }

    @FXML private void demo() { LibraryActions.demo(this); }

    @FXML private void show() {
        withSelection((v, m) -> {
            if (lab.host != null) lab.host.showDocument((java.nio.file.Files.isDirectory(m.path()) ? m.path() : m.path().getParent()).toUri().toString());
        });
    }

    private static void text(TableColumn<ModelEntry, String> c, java.util.function.Function<ModelEntry, String> f) {
        c.setCellValueFactory(d -> new ReadOnlyStringWrapper(f.apply(d.getValue())));
    }

    BorderPane root() { return root; }

    Lab lab() { return lab; }

    JobsView jobs() { return jobs; }

    Window owner() { return owner; }

    Path folder() { return folder; }

    private void withSelection(java.util.function.BiConsumer<LibraryView, ModelEntry> action) {
        ModelEntry m = models.getSelectionModel().getSelectedItem();
        if (m == null) status.setText(lab.t("library.select"));
        else action.accept(this, m);
    }

    private void updateFolderLabel() {
        folderLabel.setText(folder + (extraFolders.isEmpty() ? "" : " + " + extraFolders.size()));
    }

    /** Weights are mapped: a model fits when its file fits in RAM with some room for the KV cache and the rest. */
    private String fitsInRam(ModelEntry e) {
        long total = RunSession.totalMemory();
        if (total <= 0 || e.sizeBytes() <= 0) return "";
        return e.sizeBytes() * 1.2 < total ? lab.t("library.fits.yes") : lab.t("library.fits.no", Formats.bytes((long) (e.sizeBytes() * 1.2)));
    }

    @FXML private void chooseFolder() {
        DirectoryChooser dc = new DirectoryChooser();
        if (folder.toFile().isDirectory()) dc.setInitialDirectory(folder.toFile());
        var chosen = dc.showDialog(owner);
        if (chosen != null) {
            folder = chosen.toPath();
            updateFolderLabel();
            rescan();
        }
    }

    @FXML void rescan() {
        Path f = folder;
        List<Path> all = new java.util.ArrayList<>(List.of(f));
        all.addAll(extraFolders);
        watcher.watch(all);
        status.setText(lab.t("library.scanning", f));
        Thread t = new Thread(() -> {
            try {
                List<ModelEntry> found = ModelLibrary.scan(all);
                Platform.runLater(() -> {
                    rows.setAll(found);
                    long bad = found.stream().filter(e -> !e.readable()).count();
                    status.setText(lab.t("library.found", found.size(), f) + (bad > 0 ? " " + lab.t("library.unreadable", bad) : "")
                            + (f.toFile().isDirectory() ? "" : " " + lab.t("library.missing")));
                });
            } catch (Exception ex) {
                Platform.runLater(() -> status.setText("Cannot scan " + f + ": " + ex.getMessage()));
            }
        }, "library-scan");
        t.setDaemon(true);
        t.start();
    }
}
