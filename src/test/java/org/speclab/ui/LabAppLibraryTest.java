package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.paint.LinearGradient;
import javafx.scene.paint.Paint;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.SharedFiles;
import org.speclab.TempDirs;
import org.speclab.library.ModelEntry;
import org.speclab.library.ModelLibrary;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Library as a newcomer meets it, over the shared (read-only) models folder: which file each row
 * is, llama2.c checkpoints and their tokenizers, where a quantized copy goes, and what its job says.
 * The file dialogs answer from here: TestFX cannot drive the desktop's own.
 */
@ExtendWith(ApplicationExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LabAppLibraryTest {
    /** What the save dialog was asked: its folder and the name it proposed. */
    record Asked(String title, Path folder, String name) {}

    final List<Asked> saves = new ArrayList<>();
    volatile Path saveAnswer, openAnswer;
    Path workspace;

    @Start
    void start(Stage stage) throws Exception {
        LabApp.initialFolder = SharedFiles.require("models");
        workspace = TempDirs.create("speclab-lib");
        LabApp.experimentsFile = workspace.resolve("experiments.json");
        LabApp.locale = Locale.ENGLISH;
        LabApp.fileDialogs = new FileDialogs() {
            @Override
            public Path save(Window owner, String title, Path folder, String name) {
                saves.add(new Asked(title, folder, name));
                return saveAnswer;
            }

            @Override
            public Path open(Window owner, String title, Path folder) {
                return openAnswer;
            }
        };
        new LabApp().start(stage);
    }

    private static TableView<ModelEntry> models(FxRobot robot) throws Exception {
        TableView<ModelEntry> table = robot.lookup("#models").queryTableView();
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> table.getItems().size() >= 8);
        WaitForAsyncUtils.waitForFxEvents();
        return table;
    }

    private static ModelEntry entry(TableView<ModelEntry> table, String relative) {
        return table.getItems().stream().filter(e -> e.path().endsWith(relative)).findFirst().orElseThrow(() -> new AssertionError(relative));
    }

    /** The text a column shows for a row. */
    private static String cell(TableView<ModelEntry> table, String column, ModelEntry e) {
        return (String) table.getColumns().stream().filter(c -> column.equals(c.getId())).findFirst().orElseThrow().getCellData(e);
    }

    @Test
    void twoModelsOfOneNameAreToldApartByFileFolderAndTooltip(FxRobot robot) throws Exception {
        TableView<ModelEntry> table = models(robot);
        ModelEntry bin = entry(table, "stories-draft-distilled/draft.bin"), gguf = entry(table, "stories-draft-distilled/draft.gguf");
        assertEquals("draft", bin.name(), "both are named draft");
        assertEquals("draft.bin", cell(table, "nameColumn", bin));
        assertEquals("draft.gguf", cell(table, "nameColumn", gguf));
        assertEquals("stories-draft-distilled", cell(table, "folderColumn", bin));
        assertEquals("stories260K", cell(table, "folderColumn", entry(table, "stories260K/stories260K.gguf")));
        // the row's tooltip has the full path
        robot.interact(() -> table.scrollTo(gguf));
        WaitForAsyncUtils.waitForFxEvents();
        TableRow<?> row = robot.lookup(".table-row-cell").queryAllAs(TableRow.class).stream()
                .filter(r -> r.getItem() == gguf).findFirst().orElseThrow();
        assertNotNull(row.getTooltip());
        assertTrue(row.getTooltip().getText().startsWith(gguf.path().toAbsolutePath().toString()), row.getTooltip().getText());
        LabAppTest.screenshot(table, "library-paths.png");
    }

    @Test
    void aCheckpointRunsWithTheTokenizerBesideItOrOneChosenForIt(FxRobot robot) throws Exception {
        TableView<ModelEntry> table = models(robot);
        Path tok512 = SharedFiles.require("models/stories260K/tok512.bin").toAbsolutePath().normalize();
        ModelEntry beside = entry(table, "stories260K/stories260K.bin");
        assertEquals(tok512, beside.tokenizer().toAbsolutePath().normalize());
        assertEquals("ready (tokenizer tok512.bin)", cell(table, "statusColumn", beside));
        ModelEntry alone = entry(table, "stories-draft-distilled/draft.bin");
        assertTrue(alone.needsTokenizer());
        assertEquals("needs a tokenizer", cell(table, "statusColumn", alone));
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        robot.interact(() -> tabs.getSelectionModel().select(1));
        ComboBox<ModelEntry> targets = robot.lookup("#target").queryComboBox();
        assertTrue(targets.getItems().stream().anyMatch(m -> m.path().equals(beside.path())), "a checkpoint with its tokenizer can run");
        assertFalse(targets.getItems().stream().anyMatch(m -> m.path().equals(alone.path())), "one without cannot be picked to run");

        // pick one for it: remembered in the settings, and the checkpoint runs
        openAnswer = tok512;
        robot.interact(() -> {
            tabs.getSelectionModel().select(0);
            table.getSelectionModel().select(alone);
        });
        robot.clickOn("#chooseTokenizer");
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> tok512.equals(entry(table, "stories-draft-distilled/draft.bin").tokenizer()));
        assertTrue(Files.readString(workspace.resolve("settings.json")).contains(tok512.toString()), "the choice is kept in settings.json");
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(() -> {
            tabs.getSelectionModel().select(1);
            targets.setValue(targets.getItems().stream().filter(m -> m.path().equals(alone.path())).findFirst().orElseThrow());
            robot.lookup("#maxTokens").queryAs(javafx.scene.control.Spinner.class).getValueFactory().setValue(20);
        });
        robot.clickOn("#start");
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> status.getText().startsWith("Finished") || status.getText().startsWith("Error"));
        assertTrue(status.getText().startsWith("Finished"), status.getText());
    }

    @Test
    void aQuantizedCopyGoesWhereTheUserSaysAndItsJobShowsItsQuality(FxRobot robot) throws Exception {
        TableView<ModelEntry> table = models(robot);
        Path elsewhere = TempDirs.create("speclab-chosen");
        saveAnswer = elsewhere.resolve("small-q8");
        ModelEntry source = entry(table, "stories260K/stories260K.gguf");
        robot.interact(() -> table.getSelectionModel().select(source));
        robot.clickOn("#quantize");
        ComboBox<String> types = robot.lookup(".dialog-pane .combo-box").queryComboBox();
        robot.interact(() -> types.setValue(types.getItems().stream().filter(t -> t.startsWith("Q8_0:")).findFirst().orElseThrow()));
        robot.clickOn("OK");
        assertEquals(1, saves.size());
        assertEquals(ModelLibrary.defaultFolder(), saves.getFirst().folder(), "the dialog opens in the SpecLab models folder");
        assertEquals("stories260K-q8_0.gguf", saves.getFirst().name());
        Path written = elsewhere.resolve("small-q8.gguf");
        WaitForAsyncUtils.waitFor(90, TimeUnit.SECONDS, () -> table.getItems().stream().anyMatch(e -> e.path().equals(written)));
        assertTrue(Files.size(written) > 0);
        try (var s = Files.list(source.path().getParent())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("q8_0")), "nothing written beside the source");
        }
        var folders = robot.lookup("#folders").queryListView();
        assertTrue(folders.getItems().contains(elsewhere.toAbsolutePath().normalize()), "the folder chosen is listed");

        // the job's detail has the quality check; the selected row's progress bar stands out from the selection
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        robot.interact(() -> tabs.getSelectionModel().select(3));
        TableView<?> jobs = robot.lookup("#jobs").queryTableView();
        JobsView.Row row = (JobsView.Row) jobs.getItems().getFirst();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> row.quality != null);
        robot.interact(() -> {
            jobs.requestFocus();
            jobs.getSelectionModel().select(0);
        });
        WaitForAsyncUtils.waitForFxEvents();
        String detail = robot.lookup("#detail").queryAs(Label.class).getText();
        assertTrue(detail.matches("(?s).*top-1 agreement [0-9.]+%.*mean KL [0-9.]+ nats, max [0-9.]+.*"), detail);
        TableRow<?> selected = robot.lookup(".table-row-cell").queryAllAs(TableRow.class).stream()
                .filter(r -> r.getItem() == row && r.isSelected()).findFirst().orElseThrow();
        ProgressBar bar = (ProgressBar) selected.lookup(".progress-bar");
        Region fill = (Region) bar.lookup(".bar");
        Color barColor = colour(fill.getBackground().getFills().getFirst().getFill());
        Color rowColor = colour(selected.getBackground().getFills().getLast().getFill());
        double distance = Math.abs(barColor.getRed() - rowColor.getRed()) + Math.abs(barColor.getGreen() - rowColor.getGreen())
                + Math.abs(barColor.getBlue() - rowColor.getBlue());
        assertTrue(distance > 0.3, "bar " + barColor + " on row " + rowColor);
        LabAppTest.screenshot(jobs, "jobs-detail.png");
    }

    /** A fill's colour: a gradient's first stop. */
    private static Color colour(Paint p) {
        return p instanceof LinearGradient g ? g.getStops().getFirst().getColor() : (Color) p;
    }

    @Test
    void theLanguageMenuShowsTheLanguageInUse(FxRobot robot) throws Exception {
        javafx.scene.control.MenuBar bar = robot.lookup(".menu-bar").queryAs(javafx.scene.control.MenuBar.class);
        var items = bar.getMenus().getFirst().getItems();
        assertTrue(((javafx.scene.control.RadioMenuItem) items.get(0)).isSelected(), "English is checked");
        assertFalse(((javafx.scene.control.RadioMenuItem) items.get(1)).isSelected());
        robot.interact(() -> items.get(1).fire());
        WaitForAsyncUtils.waitForFxEvents();
        var now = robot.lookup(".menu-bar").queryAs(javafx.scene.control.MenuBar.class).getMenus().getFirst().getItems();
        assertNotEquals(items, now, "the window was rebuilt");
        assertTrue(((javafx.scene.control.RadioMenuItem) now.get(1)).isSelected(), "简体中文 is checked");
        assertFalse(((javafx.scene.control.RadioMenuItem) now.get(0)).isSelected());
        robot.interact(() -> now.get(0).fire());
        WaitForAsyncUtils.waitForFxEvents();
    }
}
