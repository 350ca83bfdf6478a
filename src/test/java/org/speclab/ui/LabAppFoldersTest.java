package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuBar;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.TempDirs;
import org.speclab.engine.RandomModels;
import org.speclab.gguf.GgmlType;
import org.speclab.library.ModelEntry;
import org.speclab.library.WorkspaceSettings;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The library's folders are the user's: added, watched, removed, and remembered with the window and the language. */
@ExtendWith(ApplicationExtension.class)
class LabAppFoldersTest {
    static final RandomModels.Shape TINY = new RandomModels.Shape(32, 64, 1, 4, 4, 64, true, GgmlType.F32, 10000f);
    Stage stage;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        LabApp.initialFolder = TempDirs.create("speclab-lib");
        LabApp.experimentsFile = TempDirs.create("speclab-ws").resolve("experiments.json");
        LabApp.locale = Locale.ENGLISH;
        new LabApp().start(stage);
    }

    private static boolean lists(TableView<ModelEntry> models, Path file) {
        return models.getItems().stream().anyMatch(e -> e.path().equals(file));
    }

    @Test
    void aFolderIsAddedWatchedAndRemoved(FxRobot robot) throws Exception {
        Path extra = TempDirs.create("speclab-extra");
        Path a = RandomModels.write(extra.resolve("tiny-a.gguf"), TINY, 1);
        TableView<ModelEntry> models = robot.lookup("#models").queryTableView();
        ListView<Path> folders = robot.lookup("#folders").queryListView();
        assertEquals(1, folders.getItems().size());
        robot.clickOn("#folderPath").write(extra.toString());
        robot.clickOn("#addFolder");
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> lists(models, a));
        assertEquals(extra.toAbsolutePath(), folders.getItems().getLast());
        Path settings = WorkspaceSettings.file(LabApp.workspace());
        assertTrue(Files.readString(settings).contains(extra.toString()), "the folder list is kept in " + settings);
        LabAppTest.screenshot(models, "library-folders.png");

        // a model written into the added folder appears without a rescan
        Path b = RandomModels.write(extra.resolve("tiny-b.gguf"), TINY, 2);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> lists(models, b));

        robot.interact(() -> folders.getSelectionModel().select(extra.toAbsolutePath()));
        robot.clickOn("#removeFolder");
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !lists(models, a) && !lists(models, b));
        assertEquals(1, folders.getItems().size());
        assertFalse(Files.readString(settings).contains(extra.toString()), "the removed folder is forgotten");

        // nor does a model written there now come back: the removed folder is no longer watched
        Path c = RandomModels.write(extra.resolve("tiny-c.gguf"), TINY, 3);
        robot.clickOn("#folderPath").write(extra.resolve("no-such-folder").toString());
        robot.clickOn("#addFolder");
        assertTrue(robot.lookup("#status").queryLabeled().getText().startsWith("Not a folder"));
        Thread.sleep(2500);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(lists(models, c));
        assertEquals(1, folders.getItems().size());
    }

    @Test
    void windowLanguageAndFoldersSurviveARestart(FxRobot robot) throws Exception {
        Path extra = TempDirs.create("speclab-extra");
        robot.clickOn("#folderPath").write(extra.toString());
        robot.clickOn("#addFolder");
        MenuBar menus = robot.lookup(".menu-bar").queryAs(MenuBar.class);
        robot.interact(() -> {
            stage.setX(40);
            stage.setY(30);
            stage.setWidth(1000);
            stage.setHeight(700);
            menus.getMenus().getFirst().getItems().get(1).fire(); // Language → 简体中文
        });
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        assertEquals("模型库", tabs.getTabs().getFirst().getText());
        assertEquals(1000, stage.getWidth(), "switching language keeps the window's size");
        robot.interact(stage::hide);

        LabApp.locale = null; // as a user starts it: the language comes from the settings
        LabApp.initialFolder = null;
        Stage again = WaitForAsyncUtils.asyncFx(() -> {
            Stage s = new Stage();
            new LabApp().start(s);
            return s;
        }).get(20, TimeUnit.SECONDS);
        assertEquals(40, again.getX());
        assertEquals(30, again.getY());
        assertEquals(1000, again.getWidth());
        assertEquals(700, again.getHeight());
        TabPane tabs2 = (TabPane) again.getScene().lookup("#tabs");
        assertEquals("模型库", tabs2.getTabs().getFirst().getText());
        @SuppressWarnings("unchecked")
        ListView<Path> folders = (ListView<Path>) again.getScene().lookup("#folders");
        assertTrue(folders.getItems().contains(extra.toAbsolutePath()), folders.getItems().toString());
        robot.interact(again::hide);
    }
}
