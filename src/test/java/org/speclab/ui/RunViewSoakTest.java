package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
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
 * A long session in the lab window: the Run view, driven as a user drives it, runs 100 speculative
 * generations of 500 tokens one after another (stories260K with the distilled draft, k 4, temperature
 * 0.8, one repeat, the target alone not measured: each run is the protocol's untimed warm-up and one
 * timed speculative generation). After the 100th, the heap after collection is within 5% (and 1 MiB)
 * of where it was after the 10th, no thread has been added (no run or engine thread outlives its
 * run), the process holds no more open files, and every run added exactly one record. Tokens/s is a
 * benchmark, not asserted here: the medians of each ten runs are printed (README records them).
 */
@ExtendWith(ApplicationExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunViewSoakTest {
    static final int RUNS = 100, TOKENS = 500;

    @Start
    void start(Stage stage) throws Exception {
        LabApp.initialFolder = SharedFiles.require("models");
        LabApp.experimentsFile = TempDirs.create("speclab-soak").resolve("experiments.json");
        LabApp.locale = Locale.ENGLISH;
        LabApp.fileDialogs = LabAppTest.saveIn(TempDirs.create("speclab-saved"));
        new LabApp().start(stage);
    }

    @Test
    @SuppressWarnings("unchecked")
    void hundredSpeculativeRunsLeakNothing(FxRobot robot) throws Exception {
        SharedFiles.require("models/stories-draft-distilled/draft.gguf");
        LabAppTest.setUpRun(robot, m -> m.path().endsWith("stories260K/stories260K.gguf"), 1 /* draft model */, TOKENS);
        ComboBox<ModelEntry> draft = robot.lookup("#draftModel").queryComboBox();
        Spinner<Double> temperature = robot.lookup("#temperature").queryAs(Spinner.class);
        Spinner<Integer> k = robot.lookup("#k").queryAs(Spinner.class), repeats = robot.lookup("#repeats").queryAs(Spinner.class),
                threads = robot.lookup("#threads").queryAs(Spinner.class);
        CheckBox baseline = robot.lookup("#baseline").queryAs(CheckBox.class);
        robot.interact(() -> {
            draft.setValue(draft.getItems().stream().filter(m -> m.path().endsWith("stories-draft-distilled/draft.gguf")).findFirst().orElseThrow());
            temperature.getValueFactory().setValue(0.8);
            k.getValueFactory().setValue(4);
            repeats.getValueFactory().setValue(1);
            threads.getValueFactory().setValue(Math.min(2, Runtime.getRuntime().availableProcessors()));
            baseline.setSelected(false);
        });
        assertEquals(1, robot.lookup("#drafter").queryAs(ChoiceBox.class).getSelectionModel().getSelectedIndex());
        Button start = robot.lookup("#start").queryButton();
        Label status = robot.lookup("#runStatus").queryAs(Label.class);
        TableView<Experiment> records = robot.lookup("#experiments").queryTableView();
        int before = records.getItems().size();

        long heap10 = 0, files10 = 0;
        Map<String, Integer> threads10 = Map.of();
        double[] tps = new double[RUNS];
        long tokens = 0, t0 = System.nanoTime(), t10 = 0;
        for (int i = 1; i <= RUNS; i++) {
            robot.interact(start::fire);
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> !start.isDisabled());
            WaitForAsyncUtils.waitForFxEvents();
            String said = status.getText();
            assertTrue(said.startsWith("Finished"), "run " + i + ": " + said);
            assertEquals(before + i, records.getItems().size(), "run " + i + " adds exactly one record");
            Experiment e = records.getItems().getLast();
            assertEquals("draft.gguf", e.draftModel());
            assertEquals(1, e.repeats());
            tps[i - 1] = e.tokensPerSec();
            tokens += e.newTokens();
            if (i == 10) {
                t10 = System.nanoTime();
                idle();
                heap10 = heapAfterGc();
                files10 = openFiles();
                threads10 = threadsByName();
            }
        }
        long t100 = System.nanoTime();
        idle();
        long heap100 = heapAfterGc(), files100 = openFiles();
        Map<String, Integer> threads100 = threadsByName();

        List<String> medians = new ArrayList<>();
        for (int i = 0; i < RUNS; i += 10) medians.add(String.format(Locale.ROOT, "%.0f", median(Arrays.copyOfRange(tps, i, i + 10))));
        System.out.printf(Locale.ROOT, "Run view soak: %d runs, %d tokens in all, %.1f s (%.2f s a run after the 10th)%n", RUNS, tokens,
                (t100 - t0) / 1e9, (t100 - t10) / 1e9 / (RUNS - 10));
        System.out.println("Run view soak: median tokens/s of each ten runs: " + String.join(", ", medians));
        System.out.printf(Locale.ROOT, "Run view soak: heap after GC %.1f MiB after 10 runs, %.1f MiB after %d; open files %d, %d; threads %d, %d%n",
                heap10 / 1048576.0, heap100 / 1048576.0, RUNS, files10, files100, total(threads10), total(threads100));

        assertTrue(heap100 <= heap10 * 1.05 + (1 << 20), "heap after 10 runs " + heap10 + " B, after " + RUNS + " " + heap100 + " B");
        assertTrue(files100 <= files10, "open files after 10 runs " + files10 + ", after " + RUNS + " " + files100);
        for (var t : threads100.entrySet()) {
            assertTrue(t.getValue() <= threads10.getOrDefault(t.getKey(), 0), "threads named " + t.getKey() + ": " + threads10 + " then " + threads100);
        }
        assertEquals(null, threads100.get("speclab-run"), "no run thread outlives its run");
    }

    /** Waits until no run is under way and its engine threads have ended (a pool's workers stop once its models are closed). */
    static void idle() throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> threadsByName().keySet().stream()
                .noneMatch(n -> n.equals("speclab-run") || n.startsWith("speclab-cpu") || n.equals("library-scan")));
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Live threads counted by name, numbers dropped ("speclab-cpu-1" and "job-3" count as "speclab-cpu-", "job-"). */
    static Map<String, Integer> threadsByName() {
        Map<String, Integer> m = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.isAlive()) m.merge(t.getName().replaceAll("\\d+", ""), 1, Integer::sum);
        return m;
    }

    static int total(Map<String, Integer> threads) {
        return threads.values().stream().mapToInt(Integer::intValue).sum();
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long openFiles() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
