package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.TempDirs;
import org.speclab.library.ModelEntry;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** First start with an empty library: the lab offers a demo pair, makes it as jobs, and lists it. */
@ExtendWith(ApplicationExtension.class)
class LabAppDemoTest {
    static Path folder;

    @Start
    void start(Stage stage) throws Exception {
        folder = TempDirs.create("speclab-empty").resolve("models");
        LabApp.initialFolder = folder;
        LabApp.fileDialogs = LabAppTest.saveIn(folder);
        LabApp.experimentsFile = TempDirs.create("speclab-ui").resolve("experiments.json");
        LabApp.locale = Locale.ENGLISH;
        new LabApp().start(stage);
    }

    @Test
    void emptyLibraryOffersADemoPair(FxRobot robot) throws Exception {
        TableView<ModelEntry> models = robot.lookup("#models").queryTableView();
        robot.clickOn("#demo");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> models.getItems().size() == 2);
        assertTrue(models.getItems().stream().allMatch(ModelEntry::readable));
        assertEquals("Q8_0", models.getItems().getFirst().weightType());
        TableView<?> jobs = robot.lookup("#jobs").queryTableView();
        assertEquals(2, jobs.getItems().size());
        try (var s = Files.list(folder)) {
            assertEquals(2, s.count(), "two models and no temporary files");
        }
        LabAppTest.screenshot(models, "library-demo.png");
        // a model that appears in the folder shows up without a rescan
        Files.copy(org.speclab.SharedFiles.require("models/stories260K/stories260K.gguf"), folder.resolve("stories260K.gguf"));
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> models.getItems().size() == 3);
        // quantize a model: its Q8_0 copy is listed when the job is done
        TableView<?> jobTable = robot.lookup("#jobs").queryTableView();
        quantize(robot, models, "stories260K", "Q8_0");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> models.getItems().stream().anyMatch(m -> m.name().equals("stories260K-q8_0")));
        assertEquals("Q8_0", models.getItems().stream().filter(m -> m.name().equals("stories260K-q8_0")).findFirst().orElseThrow().weightType());
        // the job's row carries the quality check's result (top-1 agreement and KL against the source)
        JobsView.Row q8 = (JobsView.Row) jobTable.getItems().getFirst();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> q8.state.get().matches("done · quality: top-1 agreement [0-9.]+%, mean KL [0-9.]+ nats over [0-9]+ positions"));
        // quantize another and cancel it at once: the job says so and leaves nothing behind
        quantize(robot, models, "demo-target-q8_0", "Q4_K");
        robot.interact(() -> {
            jobTable.getSelectionModel().select(0);
            robot.lookup("#cancelJob").queryButton().fire();
        });
        var cancelled = jobTable.getItems().getFirst();
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> ((JobsView.Row) cancelled).state.get().startsWith("cancelled"));
        Thread.sleep(1500); // time for a file to appear if one were left behind, and for the watcher to settle
        try (var s = Files.list(folder)) {
            assertEquals(java.util.List.of("demo-draft-q8_0.gguf", "demo-target-q8_0.gguf", "stories260K-q8_0.gguf",
                    "stories260K-q8_0.gguf.quality.json", "stories260K.gguf"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        LabAppTest.screenshot(jobTable, "jobs-quantize.png");

        // a memory-bound stand-in: stories260K widened ×8 in F16 is listed when its job is done
        robot.interact(() -> models.getSelectionModel().select(models.getItems().stream().filter(m -> m.name().equals("stories260K")).findFirst().orElseThrow()));
        robot.clickOn("#widen");
        javafx.scene.control.ComboBox<String> widths = robot.lookup(".dialog-pane .combo-box").queryComboBox();
        assertTrue(widths.getItems().size() == 5 && widths.getItems().get(2).startsWith("×32 F16: about "), widths.getItems().toString());
        robot.interact(() -> widths.setValue(widths.getItems().stream().filter(t -> t.startsWith("×8 F16")).findFirst().orElseThrow()));
        robot.clickOn("OK");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> models.getItems().stream().anyMatch(m -> m.name().equals("stories260K-x8-f16")));
        ModelEntry wide = models.getItems().stream().filter(m -> m.name().equals("stories260K-x8-f16")).findFirst().orElseThrow();
        assertEquals("F16", wide.weightType());
        assertTrue(wide.parameters() > 40 * models.getItems().stream().filter(m -> m.name().equals("stories260K")).findFirst().orElseThrow().parameters(),
                wide.parameters() + " parameters");

        // the jobs are remembered for the next start
        Path history = LabApp.experimentsFile.resolveSibling("jobs.json");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> Files.exists(history) && Files.readString(history).contains("demo-draft"));
    }

    /** Selects {@code name} in the library, presses Quantize… and picks {@code type} in the dialog. */
    private static void quantize(FxRobot robot, TableView<ModelEntry> models, String name, String type) {
        robot.interact(() -> models.getSelectionModel().select(models.getItems().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow()));
        robot.clickOn("#quantize");
        javafx.scene.control.ComboBox<String> types = robot.lookup(".dialog-pane .combo-box").queryComboBox();
        robot.interact(() -> types.setValue(types.getItems().stream().filter(t -> t.startsWith(type + ":") || t.startsWith(type + "：")).findFirst().orElseThrow()));
        robot.clickOn("OK");
    }
}
