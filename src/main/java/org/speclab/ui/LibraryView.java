package org.speclab.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ObservableList;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.stage.DirectoryChooser;
import javafx.stage.Window;
import org.speclab.library.ModelEntry;
import org.speclab.library.ModelLibrary;

/**
 * The models in the library's folders, scanned off the JavaFX thread and watched for changes. The
 * folders are the user's to add and remove; every change is handed to {@code onFoldersChanged} to be
 * kept in the workspace settings. Laid out in library.fxml.
 */
final class LibraryView {
    private final BorderPane root;
    @FXML private TableView<ModelEntry> models;
    @FXML private TableColumn<ModelEntry, String> nameColumn, folderColumn, formatColumn, archColumn, paramsColumn, weightsColumn, sizeColumn,
            contextColumn, vocabColumn, fitsColumn, statusColumn;
    @FXML private ListView<Path> folders;
    @FXML private TextField folderPath;
    @FXML private Label status;
    private final ObservableList<ModelEntry> rows;
    private final Window owner;
    private final Lab lab;
    private final JobsView jobs;
    private final Consumer<List<Path>> onFoldersChanged;
    private final FolderWatcher watcher = new FolderWatcher(() -> Platform.runLater(this::rescan));
    /** Only the newest scan's answer is shown: an older one may finish later and would bring back a removed folder's models. */
    private long scans;

    LibraryView(Lab lab, JobsView jobs, List<Path> initialFolders, Consumer<List<Path>> onFoldersChanged, Window owner) {
        this.lab = lab;
        this.jobs = jobs;
        this.rows = lab.models;
        this.owner = owner;
        this.onFoldersChanged = onFoldersChanged;
        root = lab.load("library.fxml", this);
        models.setItems(rows);
        // the file's own name and where it is: two files called "draft" in two folders must not look alike
        text(nameColumn, e -> e.path().getFileName().toString());
        text(folderColumn, this::folderOf);
        models.setRowFactory(t -> new ModelRow());
        models.setContextMenu(contextMenu());
        text(formatColumn, ModelEntry::format);
        text(archColumn, ModelEntry::architecture);
        text(paramsColumn, e -> e.parameters() > 0 ? Formats.count(e.parameters()) : "");
        text(weightsColumn, ModelEntry::weightType);
        text(sizeColumn, e -> Formats.bytes(e.sizeBytes()));
        text(contextColumn, e -> e.contextLength() > 0 ? Integer.toString(e.contextLength()) : "");
        text(vocabColumn, e -> e.vocabSize() > 0 ? Integer.toString(e.vocabSize()) : "");
        text(fitsColumn, this::fitsInRam);
        text(statusColumn, this::status);
        ColumnHeaders.neverClipped(models);
        folders.getItems().setAll(initialFolders);
        folders.setCellFactory(v -> new FolderCell());
    }

    /** A folder as the list shows it: its path, greyed out with a note when it does not exist (yet). */
    private final class FolderCell extends ListCell<Path> {
        @Override
        protected void updateItem(Path p, boolean empty) {
            super.updateItem(p, empty);
            getStyleClass().remove("folder-missing");
            if (empty || p == null) {
                setText(null);
                setTooltip(null);
                return;
            }
            boolean missing = !Files.isDirectory(p);
            setText(p + (missing ? "  " + lab.t("library.folder.missing") : ""));
            setTooltip(new Tooltip(p.toString()));
            if (missing) getStyleClass().add("folder-missing");
        }
    }

    /** A model's row: its full path (and the tokenizer it runs with) as a tooltip. */
    private final class ModelRow extends javafx.scene.control.TableRow<ModelEntry> {
        @Override
        protected void updateItem(ModelEntry e, boolean empty) {
            super.updateItem(e, empty);
            getStyleClass().remove("needs-tokenizer");
            if (empty || e == null) {
                setTooltip(null);
                return;
            }
            String tip = e.path().toAbsolutePath().toString();
            if (e.tokenizer() != null) tip += "\n" + lab.t("library.tokenizer.tip", e.tokenizer().toAbsolutePath());
            else if (e.needsTokenizer()) tip += "\n" + lab.t("library.tokenizer.needed.tip");
            setTooltip(new Tooltip(tip));
            if (e.needsTokenizer()) getStyleClass().add("needs-tokenizer");
        }
    }

    private javafx.scene.control.ContextMenu contextMenu() {
        javafx.scene.control.MenuItem tokenizer = new javafx.scene.control.MenuItem(lab.t("library.tokenizer.choose"));
        tokenizer.setId("chooseTokenizerItem");
        tokenizer.setOnAction(e -> chooseTokenizer());
        javafx.scene.control.MenuItem show = new javafx.scene.control.MenuItem(lab.t("library.show"));
        show.setOnAction(e -> show());
        return new javafx.scene.control.ContextMenu(tokenizer, show);
    }

    /** The model's folder, relative to the library folder it was found under (that folder's name when directly in it). */
    private String folderOf(ModelEntry e) {
        Path parent = e.path().toAbsolutePath().normalize().getParent();
        if (parent == null) return "";
        for (Path f : folders.getItems()) {
            Path root = f.toAbsolutePath().normalize();
            if (parent.startsWith(root)) {
                Path rel = root.relativize(parent);
                return rel.toString().isEmpty() ? String.valueOf(root.getFileName()) : rel.toString();
            }
        }
        return parent.toString();
    }

    private String status(ModelEntry e) {
        if (!e.readable()) return e.problem();
        if (e.needsTokenizer()) return lab.t("library.tokenizer.needed");
        if (e.tokenizer() != null) return lab.t("library.ready.with", e.tokenizer().getFileName());
        return lab.t("library.ready");
    }

    /**
     * A llama2.c checkpoint without a tokenizer beside it: the user picks one (tok512.bin,
     * tokenizer.model…), remembered in the workspace settings for this model's path and used
     * wherever the model is run or converted.
     */
    @FXML private void chooseTokenizer() {
        withSelection((v, m) -> {
            if (!m.format().equals(org.speclab.format.FileKind.LLAMA2C_CHECKPOINT.label)) {
                status.setText(lab.t("library.tokenizer.notNeeded", m.path().getFileName()));
                return;
            }
            Path start = m.tokenizer() != null ? m.tokenizer().getParent() : m.path().toAbsolutePath().getParent();
            Path chosen = lab.files.open(owner, lab.t("library.tokenizer.title", m.path().getFileName()), start);
            if (chosen == null) return;
            if (!Files.isRegularFile(chosen)) {
                status.setText(lab.t("library.folder.notFound", chosen));
                return;
            }
            lab.remember.accept(s -> s.withTokenizer(m.path(), chosen));
            status.setText(lab.t("library.tokenizer.chosen", chosen.getFileName(), m.path().getFileName()));
            rescan();
        });
    }

    private static void text(TableColumn<ModelEntry, String> c, java.util.function.Function<ModelEntry, String> f) {
        c.setCellValueFactory(d -> new ReadOnlyStringWrapper(f.apply(d.getValue())));
    }

    BorderPane root() { return root; }

    Lab lab() { return lab; }

    JobsView jobs() { return jobs; }

    Window owner() { return owner; }

    /** Puts {@code text} on the status line. */
    void say(String text) {
        note = null;
        status.setText(text);
    }

    /** What the library last did (a deletion), said before the count of models until the next action. */
    private String note;

    /** Rescans, saying {@code what} was done first on the status line (the folder watcher's own rescans keep it). */
    void rescanAfter(String what) {
        note = what;
        rescan();
    }

    /** Where new models (the demo pair) go: the first folder, which by default is the SpecLab folder. */
    Path folder() {
        if (folders.getItems().isEmpty()) addFolder(ModelLibrary.defaultFolder());
        return folders.getItems().getFirst();
    }

    List<Path> folders() { return List.copyOf(folders.getItems()); }

    @FXML private void quantize() { withSelection(LibraryActions::quantize); }

    @FXML private void convert() { withSelection(LibraryActions::convert); }

    @FXML private void widen() { withSelection(LibraryActions::widen); }

    @FXML private void delete() { withSelection(LibraryActions::delete); }

    @FXML private void demo() { LibraryActions.demo(this); }

    @FXML private void show() {
        withSelection((v, m) -> {
            if (lab.host != null) lab.host.showDocument((Files.isDirectory(m.path()) ? m.path() : m.path().getParent()).toUri().toString());
        });
    }

    /** Adds the folder typed (or pasted) into the path field. */
    @FXML private void addFolder() {
        String text = folderPath.getText().strip();
        if (text.isEmpty()) {
            browseFolder();
            return;
        }
        Path p = Path.of(text.startsWith("~") ? System.getProperty("user.home") + text.substring(1) : text);
        if (!Files.isDirectory(p)) {
            status.setText(lab.t("library.folder.notFound", p));
            return;
        }
        folderPath.clear();
        addFolder(p);
    }

    @FXML private void browseFolder() {
        DirectoryChooser dc = new DirectoryChooser();
        Path selected = folders.getSelectionModel().getSelectedItem();
        if (selected != null && Files.isDirectory(selected)) dc.setInitialDirectory(selected.toFile());
        var chosen = dc.showDialog(owner);
        if (chosen != null) addFolder(chosen.toPath());
    }

    @FXML private void removeFolder() {
        Path selected = folders.getSelectionModel().getSelectedItem();
        if (selected == null) {
            status.setText(lab.t("library.folder.select"));
            return;
        }
        folders.getItems().remove(selected);
        foldersChanged();
    }

    /** Lists {@code dir} in the library unless one of its folders already covers it (where a job wrote its model). */
    void listFolder(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (folders.getItems().stream().noneMatch(f -> abs.startsWith(f.toAbsolutePath().normalize()))) addFolder(abs);
    }

    private void addFolder(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (!folders.getItems().contains(abs)) {
            folders.getItems().add(abs);
            foldersChanged();
        }
        folders.getSelectionModel().select(abs);
    }

    private void foldersChanged() {
        note = null;
        onFoldersChanged.accept(folders());
        rescan();
    }

    private void withSelection(java.util.function.BiConsumer<LibraryView, ModelEntry> action) {
        note = null;
        ModelEntry m = models.getSelectionModel().getSelectedItem();
        if (m == null) status.setText(lab.t("library.select"));
        else action.accept(this, m);
    }

    /** Weights are mapped: a model fits when its file fits in RAM with some room for the KV cache and the rest. */
    private String fitsInRam(ModelEntry e) {
        long total = RunSession.totalMemory();
        if (total <= 0 || e.sizeBytes() <= 0) return "";
        return e.sizeBytes() * 1.2 < total ? lab.t("library.fits.yes") : lab.t("library.fits.no", Formats.bytes((long) (e.sizeBytes() * 1.2)));
    }

    @FXML void rescan() {
        List<Path> all = folders();
        long scan = ++scans;
        status.setText(lab.t("library.scanning", all.size()));
        Thread t = new Thread(() -> {
            watcher.watch(all);
            try {
                List<ModelEntry> found = ModelLibrary.scan(all, lab.settings.get());
                long missing = all.stream().filter(f -> !Files.isDirectory(f)).count();
                Platform.runLater(() -> {
                    if (scan != scans) return;
                    rows.setAll(found);
                    folders.refresh(); // a folder that was missing may exist now
                    long bad = found.stream().filter(e -> !e.readable()).count();
                    status.setText((note == null ? "" : note + " ") + lab.t("library.found", found.size(), all.size()) + (bad > 0 ? " " + lab.t("library.unreadable", bad) : "")
                            + (missing > 0 ? " " + lab.t("library.missing", missing) : ""));
                });
            } catch (Exception ex) {
                LabLog.error("library scan failed", ex);
                Platform.runLater(() -> {
                    if (scan == scans) status.setText(lab.t("library.scanFailed", ex.getMessage()));
                });
            }
        }, "library-scan");
        t.setDaemon(true);
        t.start();
    }
}
