package org.speclab.ui;

import java.nio.file.Path;
import java.util.List;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.stage.DirectoryChooser;
import javafx.stage.Window;
import org.speclab.library.ModelEntry;
import org.speclab.library.ModelLibrary;

/** Models found in a folder, scanned off the JavaFX thread. */
final class LibraryView {
    private final BorderPane root = new BorderPane();
    private final TableView<ModelEntry> table = new TableView<>();
    private final ObservableList<ModelEntry> rows;
    private final Label folderLabel = new Label();
    private final Label status = new Label();
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
        Button choose = new Button(lab.t("library.choose"));
        choose.setId("chooseFolder");
        choose.setOnAction(e -> chooseFolder());
        Button rescan = new Button(lab.t("library.rescan"));
        rescan.setId("rescan");
        rescan.setOnAction(e -> rescan());
        Label title = new Label(lab.t("library.title"));
        title.getStyleClass().add("title");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button quantize = new Button(lab.t("library.quantize")), convert = new Button(lab.t("library.convert")), delete = new Button(lab.t("library.delete"));
        quantize.setId("quantize");
        convert.setId("convert");
        delete.setId("delete");
        quantize.setOnAction(e -> withSelection(LibraryActions::quantize));
        convert.setOnAction(e -> withSelection(LibraryActions::convert));
        delete.setOnAction(e -> withSelection(LibraryActions::delete));
        Button show = new Button(lab.t("library.show"));
        show.setOnAction(e -> withSelection((v, m) -> {
            if (lab.host != null) lab.host.showDocument((java.nio.file.Files.isDirectory(m.path()) ? m.path() : m.path().getParent()).toUri().toString());
        }));
        HBox bar = new HBox(10, title, folderLabel, spacer, quantize, convert, delete, show, choose, rescan);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(10));
        bar.getStyleClass().add("toolbar");

        table.setId("models");
        table.setItems(rows);
        Button demo = new Button(lab.t("library.demo"));
        demo.setId("demo");
        demo.setOnAction(e -> LibraryActions.demo(this));
        Label offer = new Label(lab.t("library.demo.offer"));
        offer.setWrapText(true);
        javafx.scene.layout.VBox placeholder = new javafx.scene.layout.VBox(10, new Label(lab.t("library.empty")), offer, demo);
        placeholder.setAlignment(Pos.CENTER);
        placeholder.setMaxWidth(560);
        table.setPlaceholder(placeholder);
        table.getColumns().addAll(List.of(
                text(lab.t("library.col.name"), 200, ModelEntry::name),
                text(lab.t("library.col.format"), 90, ModelEntry::format),
                text(lab.t("library.col.arch"), 110, ModelEntry::architecture),
                text(lab.t("library.col.params"), 100, e -> e.parameters() > 0 ? Formats.count(e.parameters()) : ""),
                text(lab.t("library.col.weights"), 80, ModelEntry::weightType),
                text(lab.t("library.col.size"), 90, e -> Formats.bytes(e.sizeBytes())),
                text(lab.t("library.col.context"), 80, e -> e.contextLength() > 0 ? Integer.toString(e.contextLength()) : ""),
                text(lab.t("library.col.vocab"), 90, e -> e.vocabSize() > 0 ? Integer.toString(e.vocabSize()) : ""),
                text(lab.t("library.col.fits"), 110, e -> fitsInRam(e)),
                text(lab.t("library.col.status"), 260, e -> e.readable() ? lab.t("library.ready") : e.problem())));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);

        status.setId("status");
        status.setPadding(new Insets(6, 10, 6, 10));
        root.setTop(bar);
        root.setCenter(table);
        root.setBottom(status);
        updateFolderLabel();
    }

    private static TableColumn<ModelEntry, String> text(String title, double width, java.util.function.Function<ModelEntry, String> f) {
        TableColumn<ModelEntry, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(d -> new ReadOnlyStringWrapper(f.apply(d.getValue())));
        return c;
    }

    BorderPane root() { return root; }

    Lab lab() { return lab; }

    JobsView jobs() { return jobs; }

    Window owner() { return owner; }

    Path folder() { return folder; }

    private void withSelection(java.util.function.BiConsumer<LibraryView, ModelEntry> action) {
        ModelEntry m = table.getSelectionModel().getSelectedItem();
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

    private void chooseFolder() {
        DirectoryChooser dc = new DirectoryChooser();
        if (folder.toFile().isDirectory()) dc.setInitialDirectory(folder.toFile());
        var chosen = dc.showDialog(owner);
        if (chosen != null) {
            folder = chosen.toPath();
            updateFolderLabel();
            rescan();
        }
    }

    void rescan() {
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
