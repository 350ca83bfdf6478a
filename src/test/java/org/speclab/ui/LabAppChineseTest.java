package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.SharedFiles;
import org.speclab.TempDirs;
import org.speclab.library.ModelEntry;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The lab in Simplified Chinese, as a Chinese system locale opens it: every view, with a run recorded, for the screenshots. */
@ExtendWith(ApplicationExtension.class)
class LabAppChineseTest {
    @Start
    void start(Stage stage) throws Exception {
        // a copy: the quantize job below writes beside its model, and ../shared is only read
        Path folder = TempDirs.create("speclab-zh");
        for (String m : new String[] {"stories260K/stories260K.gguf", "stories260K/stories260K-F16.gguf", "stories260K-draft/stories260K-L3.gguf"}) {
            Path src = SharedFiles.require("models/" + m);
            Files.copy(src, folder.resolve(src.getFileName()));
        }
        LabApp.initialFolder = folder;
        LabApp.fileDialogs = LabAppTest.saveIn(folder);
        LabApp.experimentsFile = TempDirs.create("speclab-ui").resolve("experiments.json");
        LabApp.locale = Locale.SIMPLIFIED_CHINESE;
        new LabApp().start(stage);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyViewIsInChinese(FxRobot robot) throws Exception {
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        assertEquals("模型库", tabs.getTabs().get(0).getText());
        assertEquals("运行", tabs.getTabs().get(1).getText());
        assertEquals("实验", tabs.getTabs().get(2).getText());
        assertEquals("任务", tabs.getTabs().get(3).getText());
        TableView<ModelEntry> models = robot.lookup("#models").queryTableView();
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> models.getItems().size() == 3);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("名称", models.getColumns().getFirst().getText());
        LabAppTest.screenshot(models, "library-zh.png");

        robot.interact(() -> tabs.getSelectionModel().select(1));
        assertEquals("开始", robot.lookup("#start").queryButton().getText());
        ComboBox<ModelEntry> target = robot.lookup("#target").queryComboBox();
        ChoiceBox<String> drafter = robot.lookup("#drafter").queryAs(ChoiceBox.class);
        Spinner<Integer> max = robot.lookup("#maxTokens").queryAs(Spinner.class);
        robot.interact(() -> {
            target.setValue(target.getItems().stream().filter(m -> m.name().equals("stories260K")).findFirst().orElseThrow());
            drafter.getSelectionModel().select(2);
            max.getValueFactory().setValue(60);
        });
        robot.clickOn("#start");
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> status.getText().startsWith("完成"));
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(robot.lookup("#explanation").queryAs(Label.class).getText().contains("推测解码"), "the verdict is in Chinese");
        LabAppTest.assertGaugesShowTheRun(robot);
        assertEquals("权重", robot.lookup("#weightsPart").queryLabeled().getText());
        LabAppTest.screenshot(target, "run-zh.png");

        robot.interact(() -> tabs.getSelectionModel().select(2));
        TableView<?> experiments = robot.lookup("#experiments").queryTableView();
        assertEquals(1, experiments.getItems().size());
        assertEquals("模型", experiments.getColumns().getFirst().getText());
        LabAppTest.screenshot(experiments, "experiments-zh.png");

        // a quantize job, so the Jobs view has something to show
        robot.interact(() -> {
            tabs.getSelectionModel().select(0);
            models.getSelectionModel().select(models.getItems().stream().filter(m -> m.name().equals("stories260K")).findFirst().orElseThrow());
        });
        robot.clickOn("#quantize");
        javafx.scene.control.DialogPane dialog = robot.lookup(".dialog-pane").queryAs(javafx.scene.control.DialogPane.class);
        assertTrue(dialog.getHeaderText().startsWith("量化"), dialog.getHeaderText());
        robot.interact(() -> ((javafx.scene.control.Button) dialog.lookupButton(javafx.scene.control.ButtonType.OK)).fire());
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> models.getItems().size() == 4);
        robot.interact(() -> tabs.getSelectionModel().select(3));
        TableView<?> jobs = robot.lookup("#jobs").queryTableView();
        robot.interact(() -> jobs.getSelectionModel().select(0));
        assertEquals("任务", jobs.getColumns().getFirst().getText());
        JobsView.Row row = (JobsView.Row) jobs.getItems().getFirst();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> row.state.get().startsWith("完成 · 质量：top-1 一致率 "));
        robot.interact(() -> {
            jobs.getSelectionModel().clearSelection();
            jobs.getSelectionModel().select(0);
        });
        String detail = robot.lookup("#detail").queryAs(Label.class).getText();
        assertTrue(detail.contains("与源模型对比的质量") && detail.contains("平均 KL"), detail);
        // the built-in guide, in Chinese
        robot.clickOn("帮助");
        robot.clickOn("推测解码与各项数字说明");
        javafx.scene.control.TextArea guide = robot.lookup("#guideText").queryAs(javafx.scene.control.TextArea.class);
        assertTrue(guide.getText().contains("预测加速") && guide.getText().contains("验证 N×"), guide.getText());
        LabAppTest.screenshot(guide, "guide-zh.png");
        robot.interact(() -> ((Stage) guide.getScene().getWindow()).close());
        LabAppTest.screenshot(jobs, "jobs-zh.png");
    }
}
