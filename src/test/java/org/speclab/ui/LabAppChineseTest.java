package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
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
        LabApp.initialFolder = SharedFiles.require("models");
        LabApp.experimentsFile = Files.createTempDirectory("speclab-ui").resolve("experiments.json");
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
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> models.getItems().size() >= 8);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("名称", models.getColumns().getFirst().getText());
        LabAppTest.screenshot(models, "library-zh.png");

        robot.interact(() -> tabs.getSelectionModel().select(1));
        assertEquals("开始", robot.lookup("#start").queryButton().getText());
        ComboBox<ModelEntry> target = robot.lookup("#target").queryComboBox();
        ChoiceBox<String> drafter = robot.lookup("#drafter").queryAs(ChoiceBox.class);
        Spinner<Integer> max = robot.lookup("#maxTokens").queryAs(Spinner.class);
        robot.interact(() -> {
            target.setValue(target.getItems().stream().filter(m -> m.path().endsWith("stories260K/stories260K.gguf")).findFirst().orElseThrow());
            drafter.getSelectionModel().select(2);
            max.getValueFactory().setValue(60);
        });
        robot.clickOn("#start");
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> status.getText().startsWith("完成"));
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(robot.lookup("#explanation").queryAs(Label.class).getText().contains("推测解码"), "the verdict is in Chinese");
        LabAppTest.screenshot(target, "run-zh.png");

        robot.interact(() -> tabs.getSelectionModel().select(2));
        TableView<?> experiments = robot.lookup("#experiments").queryTableView();
        assertEquals(1, experiments.getItems().size());
        assertEquals("模型", experiments.getColumns().getFirst().getText());
        LabAppTest.screenshot(experiments, "experiments-zh.png");

        robot.interact(() -> tabs.getSelectionModel().select(3));
        TableView<?> jobs = robot.lookup("#jobs").queryTableView();
        assertEquals("任务", jobs.getColumns().getFirst().getText());
        LabAppTest.screenshot(jobs, "jobs-zh.png");
    }
}
