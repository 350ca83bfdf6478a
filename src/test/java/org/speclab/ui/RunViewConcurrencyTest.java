package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.SharedFiles;
import org.speclab.TempDirs;
import org.speclab.lab.Experiment;
import org.speclab.library.ModelEntry;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Stop pressed while the measured run reads its prompt, while the draft proposes and while the target verifies, each
 * held there ({@link HeldPasses}) so the stop lands in that phase on any host; and a model deleted while a run uses it.
 * Each ends with one line on the status line, Start enabled again, no run thread left and no record that is not a
 * whole one. The library here is a folder of copies (stories260K and the distilled draft), so deleting harms nothing.
 */
@ExtendWith(ApplicationExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunViewConcurrencyTest {
    /** Over 128 tokens: the prompt is read in chunks, and a stop is seen between them. */
    static final String LONG_PROMPT = "Once upon a time, there was a little girl named Lily. She liked to play in the park with her friends. ".repeat(8);
    static final int TOKENS = 200;

    Path folder, target, draft;

    @Start
    void start(Stage stage) throws Exception {
        Path[] models = startOnCopies(stage, TempDirs.create("speclab-concurrency"));
        target = models[0];
        draft = models[1];
        folder = target.getParent();
    }

    /**
     * The lab started in English on a library folder, {@code work}/models, of copies of stories260K and its distilled
     * draft (so deleting them harms nothing), its records and settings in {@code work}: the target's and the draft's
     * copies.
     */
    static Path[] startOnCopies(Stage stage, Path work) throws Exception {
        Path folder = Files.createDirectories(work.resolve("models"));
        Path target = Files.copy(SharedFiles.require("models/stories260K/stories260K.gguf"), folder.resolve("stories260K.gguf"));
        Path draft = Files.copy(SharedFiles.require("models/stories-draft-distilled/draft.gguf"), folder.resolve("draft.gguf"));
        LabApp.initialFolder = folder;
        LabApp.experimentsFile = work.resolve("experiments.json");
        LabApp.locale = Locale.ENGLISH;
        LabApp.fileDialogs = LabAppTest.saveIn(TempDirs.create("speclab-saved"));
        new LabApp().start(stage);
        return new Path[] {target, draft};
    }

    /** The probe of the test under way: let go after it, so that a failed test leaves no run waiting. */
    HeldPasses held;

    @AfterEach
    void noProbe() {
        RunSession.probe = RunSession.Probe.NONE;
        if (held != null) held.release();
    }

    @Test
    void stopWhileThePromptIsReadEndsTheRunBeforeTheNextChunkAndRecordsNothing(FxRobot robot) throws Exception {
        List<Experiment> added = stopWhileHeld(robot, HeldPasses.Pass.PREFILL, 1, LONG_PROMPT);
        assertEquals(List.of(), added, "no token was generated: nothing measured, nothing recorded");
    }

    @Test
    void stopWhileTheDraftProposesEndsTheRunWithoutAVerifyPass(FxRobot robot) throws Exception {
        // k 4: the fifth draft pass is the second step's first
        List<Experiment> added = stopWhileHeld(robot, HeldPasses.Pass.DRAFT, 5, "Once upon a time");
        assertStoppedRecord(added);
    }

    @Test
    void stopWhileTheTargetVerifiesEndsTheRunAfterThatPass(FxRobot robot) throws Exception {
        List<Experiment> added = stopWhileHeld(robot, HeldPasses.Pass.VERIFY, 2, "Once upon a time");
        assertStoppedRecord(added);
        // and the next run, after all that, runs to its end
        robot.interact(robot.lookup("#start").queryButton()::fire);
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> status.getText().startsWith("Finished"));
    }

    /**
     * The target deleted through the Library while the run reads it (held in a verify pass): the dialog says first that
     * the run under way uses it, the run then goes on to its end and records itself (the weights are mapped), the
     * Library says in one line what it did and lists the model no more, and the Run view no longer offers it.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aTargetDeletedFromTheLibraryWhileItRunsLetsTheRunFinishAndIsOfferedNoMore(FxRobot robot) throws Exception {
        held = new HeldPasses(HeldPasses.Pass.VERIFY, 3, draft);
        RunSession.probe = held;
        setUpRun(robot, "Once upon a time");
        Button start = robot.lookup("#start").queryButton();
        Label runStatus = robot.lookup("#runStatus").queryAs(Label.class), libraryStatus = robot.lookup("#status").queryAs(Label.class);
        TableView<Experiment> records = robot.lookup("#experiments").queryTableView();
        TableView<ModelEntry> models = robot.lookup("#models").queryTableView();
        ComboBox<ModelEntry> targets = robot.lookup("#target").queryComboBox();
        robot.interact(start::fire);
        assertTrue(held.awaitHeld(60), "the run is under way");
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        robot.interact(() -> {
            tabs.getSelectionModel().select(0);
            models.getSelectionModel().select(models.getItems().stream().filter(m -> m.path().equals(target)).findFirst().orElseThrow());
        });
        robot.clickOn("#delete");
        javafx.scene.control.DialogPane ask = robot.lookup(".dialog-pane").queryAs(javafx.scene.control.DialogPane.class);
        assertTrue(ask.getContentText().startsWith("stories260K.gguf is in use by the run under way."), ask.getContentText());
        assertTrue(ask.getContentText().contains("This cannot be undone."), ask.getContentText());
        robot.clickOn(ask.lookupButton(javafx.scene.control.ButtonType.OK));
        assertFalse(Files.exists(target), "deleted");
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> models.getItems().size() == 1);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("Deleted stories260K.gguf; the run under way goes on with what it loaded. 1 model in 1 folder", libraryStatus.getText());
        assertTrue(targets.getItems().stream().noneMatch(m -> m.path().equals(target)), "the Run view offers it no more");
        // the run goes on with what it loaded, to its end
        held.release();
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> !start.isDisabled());
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(runStatus.getText().startsWith("Finished"), runStatus.getText());
        assertEquals("stories260K", records.getItems().getLast().model());
        assertEquals("length", records.getItems().getLast().stopReason());
        // the folder watcher's own rescan keeps the line
        Thread.sleep(2500);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(libraryStatus.getText().startsWith("Deleted stories260K.gguf"), libraryStatus.getText());
        // and a model not in use is deleted with the plain question
        robot.interact(() -> models.getSelectionModel().select(0));
        robot.clickOn("#delete");
        ask = robot.lookup(".dialog-pane").queryAs(javafx.scene.control.DialogPane.class);
        assertTrue(ask.getContentText().startsWith("Delete " + draft), ask.getContentText());
        robot.clickOn(ask.lookupButton(javafx.scene.control.ButtonType.CANCEL));
        assertTrue(Files.exists(draft), "cancelled: kept");
    }

    /**
     * The draft deleted outside the lab, and Start pressed before the library has seen it go: one line on the status
     * line, nothing started; the library's next scan drops it from the pickers.
     */
    @Test
    @SuppressWarnings("unchecked")
    void startWithAModelDeletedOnDiskSaysSoInOneLine(FxRobot robot) throws Exception {
        setUpRun(robot, "Once upon a time");
        Button start = robot.lookup("#start").queryButton();
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        TableView<Experiment> records = robot.lookup("#experiments").queryTableView();
        int before = records.getItems().size();
        robot.interact(() -> {
            try {
                Files.delete(draft);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            start.fire();
        });
        assertEquals("Not started: draft.gguf is no longer on disk (deleted or moved); choose another model.", status.getText());
        assertFalse(start.isDisabled());
        assertTrue(robot.lookup("#stop").queryButton().isDisabled());
        assertFalse(RunViewSoakTest.threadsByName().containsKey("speclab-run"), "nothing started");
        ComboBox<ModelEntry> drafts = robot.lookup("#draftModel").queryComboBox();
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> drafts.getItems().stream().noneMatch(m -> m.path().equals(draft)));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(null, drafts.getValue(), "the draft picker no longer shows it");
        assertEquals(before, records.getItems().size(), "nothing recorded");
    }

    /**
     * "Draft model" picked with no draft chosen: Start says so in one line and starts nothing (it used to run the target
     * alone under the speculative settings, silently); once a draft is chosen, the same Start runs.
     */
    @Test
    @SuppressWarnings("unchecked")
    void startWithDraftModelPickedButNoneChosenSaysSoAndStartsNothing(FxRobot robot) throws Exception {
        setUpRun(robot, "Once upon a time");
        Button start = robot.lookup("#start").queryButton();
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        ComboBox<ModelEntry> drafts = robot.lookup("#draftModel").queryComboBox();
        TableView<Experiment> records = robot.lookup("#experiments").queryTableView();
        int before = records.getItems().size();
        robot.interact(() -> {
            drafts.setValue(null);
            start.fire();
        });
        assertEquals("Not started: choose a draft model, or pick another drafter (None runs the target alone).", status.getText());
        assertFalse(start.isDisabled());
        assertTrue(robot.lookup("#stop").queryButton().isDisabled());
        assertFalse(RunViewSoakTest.threadsByName().containsKey("speclab-run"), "nothing started");
        assertEquals(before, records.getItems().size(), "nothing recorded");
        robot.interact(() -> {
            drafts.setValue(drafts.getItems().stream().filter(m -> m.path().equals(draft)).findFirst().orElseThrow());
            start.fire();
        });
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> status.getText().startsWith("Finished"));
        // the status is set first in the event that ends the run and the record added after it: read once that event is over
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(before + 1, records.getItems().size(), "one record");
        assertEquals("draft.gguf", records.getItems().getLast().draftModel());
    }

    /** One record, marked stopped (the Experiments view's ■ stopped), short of its token limit, with the tokens it made. */
    private static void assertStoppedRecord(List<Experiment> added) {
        assertEquals(1, added.size(), added.toString());
        Experiment e = added.getFirst();
        assertEquals("cancelled", e.stopReason());
        assertTrue(e.newTokens() > 0 && e.newTokens() < TOKENS, e.toString());
        assertTrue(e.tokensPerSec() > 0 && e.meanAccepted() != null && e.alpha() != null, e.toString());
        assertEquals("draft.gguf", e.draftModel());
    }

    /**
     * Starts a greedy speculative run (the view's other settings as they come: three repeats beside the target alone),
     * holds the {@code nth} pass of kind {@code pass} in the measured run, presses Stop while it is held, lets it go
     * and checks how the run ended. Returns the records the run added.
     */
    @SuppressWarnings("unchecked")
    private List<Experiment> stopWhileHeld(FxRobot robot, HeldPasses.Pass pass, int nth, String prompt) throws Exception {
        held = new HeldPasses(pass, nth, draft);
        RunSession.probe = held;
        setUpRun(robot, prompt);
        Button start = robot.lookup("#start").queryButton(), stop = robot.lookup("#stop").queryButton();
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        TableView<Experiment> records = robot.lookup("#experiments").queryTableView();
        int before = records.getItems().size();
        robot.interact(start::fire);
        assertTrue(held.awaitHeld(60), "the run reached its " + pass + " pass " + nth);
        robot.interact(stop::fire);
        // the line says Stopping until the run has ended, whatever the run said before Stop reaches the screen after it
        Thread.sleep(3 * 1000 / RunView.FRAMES_PER_SECOND);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("Stopping…", status.getText());
        held.release();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> !start.isDisabled());
        WaitForAsyncUtils.waitForFxEvents();
        String said = status.getText();
        assertTrue(said.matches("Stopped \\(\\d+ ms after Stop was pressed\\)"), said);
        assertTrue(stop.isDisabled(), "Stop is off once the run has ended");
        assertEquals(List.of(), held.after(), "the stop is seen at the first check after the held pass: no pass runs after it");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> !RunViewSoakTest.threadsByName().containsKey("speclab-run"));
        List<Experiment> added = List.copyOf(records.getItems().subList(before, records.getItems().size()));
        // what the table shows is what is kept
        String kept = Files.exists(LabApp.experimentsFile) ? Files.readString(LabApp.experimentsFile) : "[]";
        assertEquals(records.getItems().size(), kept.split("\"speculate_k\"", -1).length - 1, kept);
        return added;
    }

    /** Waits for the library, opens the Run tab, picks the copies as target and draft, greedy, {@value #TOKENS} tokens. */
    @SuppressWarnings("unchecked")
    private void setUpRun(FxRobot robot, String prompt) throws Exception {
        TableView<ModelEntry> models = robot.lookup("#models").queryTableView();
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> models.getItems().size() == 2);
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        robot.interact(() -> tabs.getSelectionModel().select(1));
        ComboBox<ModelEntry> targets = robot.lookup("#target").queryComboBox(), drafts = robot.lookup("#draftModel").queryComboBox();
        ChoiceBox<String> drafter = robot.lookup("#drafter").queryAs(ChoiceBox.class);
        Spinner<Integer> max = robot.lookup("#maxTokens").queryAs(Spinner.class), k = robot.lookup("#k").queryAs(Spinner.class);
        Spinner<Double> temperature = robot.lookup("#temperature").queryAs(Spinner.class);
        robot.interact(() -> {
            targets.setValue(targets.getItems().stream().filter(m -> m.path().equals(target)).findFirst().orElseThrow());
            drafter.getSelectionModel().select(1);
            drafts.setValue(drafts.getItems().stream().filter(m -> m.path().equals(draft)).findFirst().orElseThrow());
            max.getValueFactory().setValue(TOKENS);
            k.getValueFactory().setValue(4);
            temperature.getValueFactory().setValue(0.0);
            robot.lookup("#prompt").queryAs(javafx.scene.control.TextArea.class).setText(prompt);
        });
        assertFalse(robot.lookup("#start").queryButton().isDisabled());
    }
}
