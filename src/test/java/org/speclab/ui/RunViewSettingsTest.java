package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.TempDirs;
import org.speclab.engine.CacheType;
import org.speclab.library.ModelEntry;
import org.speclab.library.WorkspaceSettings;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Run view's settings of the last run started come back when the lab starts again; an edited file's odd values do not break it. */
@ExtendWith(ApplicationExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunViewSettingsTest {
    Path work, target, draft;
    Stage stage;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        work = TempDirs.create("speclab-run-settings");
        Path[] models = RunViewConcurrencyTest.startOnCopies(stage, work);
        target = models[0];
        draft = models[1];
    }

    @Test
    @SuppressWarnings("unchecked")
    void theLastRunsSettingsComeBackAfterARestart(FxRobot robot) throws Exception {
        TableView<ModelEntry> models = robot.lookup("#models").queryTableView();
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> models.getItems().size() == 2);
        robot.interact(() -> robot.lookup("#tabs").queryAs(TabPane.class).getSelectionModel().select(1));
        ComboBox<ModelEntry> targets = robot.lookup("#target").queryComboBox(), drafts = robot.lookup("#draftModel").queryComboBox();
        robot.interact(() -> {
            targets.setValue(targets.getItems().stream().filter(m -> m.path().equals(target)).findFirst().orElseThrow());
            robot.lookup("#drafter").queryAs(ChoiceBox.class).getSelectionModel().select(1);
            drafts.setValue(drafts.getItems().stream().filter(m -> m.path().equals(draft)).findFirst().orElseThrow());
            ((Spinner<Integer>) robot.lookup("#k").queryAs(Spinner.class)).getValueFactory().setValue(6);
            ((Spinner<Double>) robot.lookup("#temperature").queryAs(Spinner.class)).getValueFactory().setValue(0.0);
            ((Spinner<Integer>) robot.lookup("#maxTokens").queryAs(Spinner.class)).getValueFactory().setValue(24);
            ((Spinner<Integer>) robot.lookup("#threads").queryAs(Spinner.class)).getValueFactory().setValue(1);
            ((ChoiceBox<CacheType>) robot.lookup("#kvCache").queryAs(ChoiceBox.class)).setValue(CacheType.F16);
            robot.lookup("#adaptive").queryAs(CheckBox.class).setSelected(true);
            robot.lookup("#prompt").queryAs(TextArea.class).setText("Once upon a time, a cat");
        });
        robot.interact(robot.lookup("#start").queryButton()::fire);
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> status.getText().startsWith("Finished"));
        robot.interact(stage::hide);

        Stage restarted = restart();
        Scene again = restarted.getScene();
        ComboBox<ModelEntry> targets2 = (ComboBox<ModelEntry>) again.lookup("#target"), drafts2 = (ComboBox<ModelEntry>) again.lookup("#draftModel");
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> drafts2.getValue() != null);
        assertEquals(target, targets2.getValue().path());
        assertEquals(draft, drafts2.getValue().path());
        assertEquals(1, ((ChoiceBox<String>) again.lookup("#drafter")).getSelectionModel().getSelectedIndex());
        assertEquals(6, ((Spinner<Integer>) again.lookup("#k")).getValue());
        assertEquals(0.0, ((Spinner<Double>) again.lookup("#temperature")).getValue());
        assertEquals(24, ((Spinner<Integer>) again.lookup("#maxTokens")).getValue());
        assertEquals(1, ((Spinner<Integer>) again.lookup("#threads")).getValue());
        assertEquals(CacheType.F16, ((ChoiceBox<CacheType>) again.lookup("#kvCache")).getValue());
        assertTrue(((CheckBox) again.lookup("#adaptive")).isSelected());
        assertEquals("Once upon a time, a cat", ((TextArea) again.lookup("#prompt")).getText());
        // a draft put aside since stays aside across a language switch (the rebuilt view is not handed the last run's)
        robot.interact(() -> drafts2.setValue(null));
        robot.interact(() -> ((javafx.scene.control.MenuBar) again.lookup(".menu-bar")).getMenus().getFirst().getItems().get(1).fire());
        Scene zh = restarted.getScene();
        assertEquals(null, ((ComboBox<ModelEntry>) zh.lookup("#draftModel")).getValue());
        assertEquals(6, ((Spinner<Integer>) zh.lookup("#k")).getValue());
        assertEquals(target, ((ComboBox<ModelEntry>) zh.lookup("#target")).getValue().path());
        robot.interact(restarted::hide);
    }

    @Test
    @SuppressWarnings("unchecked")
    void oddValuesInAnEditedFileAreBroughtIntoRangeOrLeftAtTheDefault(FxRobot robot) throws Exception {
        robot.interact(stage::hide);
        WorkspaceSettings.NONE.withRun(new WorkspaceSettings.Run(7, work.resolve("gone.gguf").toString(), -3, null, 999, null, Double.NaN, null,
                5.0, null, 0, null, null, "a prompt", true, "f8")).save(WorkspaceSettings.file(work));
        Scene again = restart().getScene();
        assertEquals(0, ((ChoiceBox<String>) again.lookup("#drafter")).getSelectionModel().getSelectedIndex(), "no drafter 7: the default");
        assertEquals(16, ((Spinner<Integer>) again.lookup("#k")).getValue(), "k 999: its spinner's largest");
        assertEquals(1, ((Spinner<Integer>) again.lookup("#ngram")).getValue(), "n-gram -3: its smallest");
        assertEquals(1.0, ((Spinner<Double>) again.lookup("#topP")).getValue(), "top-p 5: its largest");
        assertEquals(1, ((Spinner<Integer>) again.lookup("#threads")).getValue(), "0 threads: one");
        assertEquals(CacheType.F32, ((ChoiceBox<CacheType>) again.lookup("#kvCache")).getValue(), "an unknown cache type: the default");
        assertEquals("a prompt", ((TextArea) again.lookup("#prompt")).getText());
        assertEquals(null, ((ComboBox<ModelEntry>) again.lookup("#draftModel")).getValue(), "a draft model no longer there is not picked");
        robot.interact(() -> again.getWindow().hide());
    }

    /** The lab started again on the same workspace and library folder, as a user starts it. */
    private Stage restart() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> {
            Stage st = new Stage();
            new LabApp().start(st);
            return st;
        }).get(20, TimeUnit.SECONDS);
    }
}
