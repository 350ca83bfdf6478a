package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.control.Label;
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

/** The lab window, started on JavaFX's headless platform, lists the models of a folder. */
@ExtendWith(ApplicationExtension.class)
class LabAppTest {
    @Start
    void start(Stage stage) throws Exception {
        LabApp.initialFolder = SharedFiles.require("models");
        new LabApp().start(stage);
    }

    @Test
    void listsTheModelsOfTheFolder(FxRobot robot) throws Exception {
        TableView<ModelEntry> table = robot.lookup("#models").queryTableView();
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> table.getItems().size() >= 8);
        assertTrue(table.getItems().stream().anyMatch(e -> e.path().endsWith("stories260K.gguf") && e.readable() && e.vocabSize() == 512));
        assertTrue(table.getItems().stream().anyMatch(e -> e.format().equals("llama2c") && e.path().endsWith("stories260K.bin")));
        WaitForAsyncUtils.waitForFxEvents();
        Label status = robot.lookup("#status").queryAs(Label.class);
        assertTrue(status.getText().contains("models in"), status.getText());
        // a screenshot for people to look at
        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        var image = WaitForAsyncUtils.asyncFx(() -> table.getScene().snapshot(null)).get(10, TimeUnit.SECONDS);
        javax.imageio.ImageIO.write(SwingFXUtils.fromFXImage(image, null), "png", shots.resolve("library.png").toFile());
    }
}
