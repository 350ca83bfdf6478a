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
        assertEquals("cpu", WorkspaceSettings.load(WorkspaceSettings.file(work)).value().run().device(), "the device is kept with the rest");

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
                5.0, null, 0, null, null, "a prompt", true, "f8", "tpu:9")).save(WorkspaceSettings.file(work));
        Scene again = restart().getScene();
        assertEquals(0, ((ChoiceBox<String>) again.lookup("#drafter")).getSelectionModel().getSelectedIndex(), "no drafter 7: the default");
        assertEquals(16, ((Spinner<Integer>) again.lookup("#k")).getValue(), "k 999: its spinner's largest");
        assertEquals(1, ((Spinner<Integer>) again.lookup("#ngram")).getValue(), "n-gram -3: its smallest");
        assertEquals(1.0, ((Spinner<Double>) again.lookup("#topP")).getValue(), "top-p 5: its largest");
        assertEquals(1, ((Spinner<Integer>) again.lookup("#threads")).getValue(), "0 threads: one");
        assertEquals(CacheType.F32, ((ChoiceBox<CacheType>) again.lookup("#kvCache")).getValue(), "an unknown cache type: the default");
        assertEquals("a prompt", ((TextArea) again.lookup("#prompt")).getText());
        assertEquals(null, ((ComboBox<ModelEntry>) again.lookup("#draftModel")).getValue(), "a draft model no longer there is not picked");
        ComboBox<RunView.Device> device = (ComboBox<RunView.Device>) again.lookup("#device");
        Label note = (Label) again.lookup("#deviceNote");
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> note.getText().contains("tpu:9"));
        assertEquals("cpu", device.getValue().id(), "an unknown device: the CPU");
        robot.interact(() -> again.getWindow().hide());
    }

    /**
     * The last run's GPU is picked again where the probe finds it (so its runs do not quietly move to the CPU after a
     * restart), and where it is gone the CPU is, with the device note saying so, in either language.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theLastRunsDeviceComesBackWhereItIsFound(FxRobot robot) throws Exception {
        robot.interact(stage::hide);
        var two = new org.speclab.engine.cuda.CudaProbe.Result(true, java.util.List.of("cuda:0  Card A, 24.0 GiB, compute 8.9, driver CUDA 13.0",
                "cuda:1  Card B, 80.0 GiB, compute 9.0, driver CUDA 13.0"), null);
        var none = new org.speclab.engine.cuda.CudaProbe.Result(false, java.util.List.of(), "libcuda.so.1 not found (no NVIDIA driver installed)");
        try {
            WorkspaceSettings.NONE.withRun(new WorkspaceSettings.Run(0, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, "cuda:1")).save(WorkspaceSettings.file(work));
            RunView.cudaProbe = () -> two;
            Stage found = restart();
            ComboBox<RunView.Device> device = (ComboBox<RunView.Device>) found.getScene().lookup("#device");
            WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> device.getItems().size() == 3);
            // the probe's answer fills the list and then picks, in one step on the JavaFX thread: let that step end
            WaitForAsyncUtils.waitForFxEvents();
            assertEquals("cuda:1", device.getValue().id());
            assertTrue(((ChoiceBox<CacheType>) found.getScene().lookup("#kvCache")).isDisabled(), "CUDA's cache is float32: no choice");
            assertTrue(!((Label) found.getScene().lookup("#deviceNote")).getText().contains("cuda:1"), "found: nothing to say");
            // a language switch keeps it (the rebuilt view probes again)
            robot.interact(() -> ((javafx.scene.control.MenuBar) found.getScene().lookup(".menu-bar")).getMenus().getFirst().getItems().get(1).fire());
            ComboBox<RunView.Device> zhDevice = (ComboBox<RunView.Device>) found.getScene().lookup("#device");
            WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> zhDevice.getItems().size() == 3 && zhDevice.getValue().id().equals("cuda:1"));
            robot.interact(found::hide);

            RunView.cudaProbe = () -> none;
            Stage gone = restart();
            ComboBox<RunView.Device> device2 = (ComboBox<RunView.Device>) gone.getScene().lookup("#device");
            Label note = (Label) gone.getScene().lookup("#deviceNote");
            WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> note.getText().contains("cuda:1"));
            assertEquals("cpu", device2.getValue().id());
            assertTrue(note.getText().contains("上次运行所用的设备 cuda:1 现在不可用") || note.getText().contains("The device of the last run, cuda:1, is not here"), note.getText());
            robot.interact(gone::hide);
        } finally {
            RunView.cudaProbe = org.speclab.engine.cuda.CudaProbe::probe;
        }
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
