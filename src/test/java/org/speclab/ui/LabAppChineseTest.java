package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.Locale;
import javafx.scene.control.TabPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.SharedFiles;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The lab in Simplified Chinese, as a Chinese system locale opens it. */
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
    void tabsAndControlsAreInChinese(FxRobot robot) throws Exception {
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        assertEquals("模型库", tabs.getTabs().get(0).getText());
        assertEquals("运行", tabs.getTabs().get(1).getText());
        assertEquals("实验", tabs.getTabs().get(2).getText());
        robot.interact(() -> tabs.getSelectionModel().select(1));
        assertEquals("开始", robot.lookup("#start").queryButton().getText());
        LabAppTest.screenshot(tabs, "run-zh.png");
    }
}
