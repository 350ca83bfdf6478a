package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.speclab.lab.TestRuns.run;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javafx.css.PseudoClass;
import javafx.scene.Scene;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.control.skin.TableColumnHeader;
import javafx.scene.layout.Pane;
import javafx.scene.shape.LineTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.TempDirs;
import org.speclab.lab.Experiment;
import org.speclab.lab.RepeatedRuns;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Experiments view alone, filled with made-up runs: repeated runs as one point with a bar, stable colours, drafter names, stopped runs. */
@ExtendWith(ApplicationExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExperimentsViewTest {
    private static final String NGRAM = "n-gram lookup (n ≤ 3)", LAYERS = "early exit after 3 layers";
    private Lab lab;
    private ExperimentsView view;

    @Start
    void start(Stage stage) throws Exception {
        lab = new Lab(Locale.ENGLISH, TempDirs.create("speclab-exp").resolve("experiments.json"), null);
        view = show(stage, lab);
    }

    private static ExperimentsView show(Stage stage, Lab lab) {
        ExperimentsView v = new ExperimentsView(lab, null, stage);
        Scene scene = new Scene(v.root(), 1280, 820);
        scene.getStylesheets().add(LabApp.class.getResource("lab.css").toExternalForm());
        stage.setScene(scene);
        stage.show();
        return v;
    }

    /** The target alone; n-gram lookup three times at k 4 and once at k 2; early exit at k 4; a draft model, once stopped. */
    private static List<Experiment> runs() {
        return List.of(run(null, null, 100, "length"),
                run(NGRAM, 4, 100, "length"), run(NGRAM, 4, 90, "length"), run(NGRAM, 4, 250, "eos"), run(NGRAM, 2, 110, "length"),
                run(LAYERS, 4, 80, "length"),
                run("stories-draft-distilled.gguf", 4, 130, "length"), run("stories-draft-distilled.gguf", 4, 20, RepeatedRuns.STOPPED));
    }

    @SuppressWarnings("unchecked")
    private ErrorBarChart chart(FxRobot robot) {
        return robot.lookup("#kChart").queryAs(ErrorBarChart.class);
    }

    private static XYChart.Series<Number, Number> series(ErrorBarChart chart, String endsWith) {
        return chart.getData().stream().filter(s -> s.getName().endsWith(endsWith)).findFirst()
                .orElseThrow(() -> new AssertionError(endsWith + " not in " + chart.getData().stream().map(XYChart.Series::getName).toList()));
    }

    @Test
    void repeatedRunsAreOnePointWithABarFromTheirMinToTheirMax(FxRobot robot) throws Exception {
        robot.interact(() -> lab.experiments.setAll(runs()));
        WaitForAsyncUtils.waitForFxEvents();
        ErrorBarChart chart = chart(robot);
        var ngram = series(chart, "· n-gram 3");
        assertEquals(2, ngram.getData().size(), "k 2 and k 4, not four points");
        var k4 = ngram.getData().stream().filter(d -> d.getXValue().intValue() == 4).findFirst().orElseThrow();
        assertEquals(100.0, k4.getYValue().doubleValue(), "the median, not the mean (147)");
        var spread = (ErrorBarChart.Spread) k4.getExtraValue();
        assertEquals(new ErrorBarChart.Spread(90, 250, 3, 0), spread);

        // the bar drawn spans the axis positions of the slowest and the fastest run
        Path bar = chart.barOf(k4);
        assertNotNull(bar);
        var yAxis = chart.getYAxis();
        double x = chart.getXAxis().getDisplayPosition(4), lo = yAxis.getDisplayPosition(90), hi = yAxis.getDisplayPosition(250);
        var start = (MoveTo) bar.getElements().get(0);
        var end = (LineTo) bar.getElements().get(1);
        assertEquals(x, start.getX(), 1e-6);
        assertEquals(lo, start.getY(), 1e-6);
        assertEquals(hi, end.getY(), 1e-6);
        assertTrue(((javafx.scene.chart.NumberAxis) yAxis).getUpperBound() >= 250, "the value axis reaches the top of the bar");
        assertTrue(lo > hi, "on screen the slowest run is below the fastest");
        assertTrue(chart.lookupAll(".error-bar").contains(bar), "the bar is on the chart");
        // one run at k 2: no bar
        assertNull(chart.barOf(ngram.getData().stream().filter(d -> d.getXValue().intValue() == 2).findFirst().orElseThrow()));

        // the stopped draft-model run is left out: the point is the one finished run, and says so
        var draft = series(chart, "· draft: stories-draft-distilled.gguf (Q8_0)");
        assertEquals(new ErrorBarChart.Spread(130, 130, 1, 1), draft.getData().getFirst().getExtraValue());
        assertEquals(130.0, draft.getData().getFirst().getYValue().doubleValue());
        // the caption says what a point and a bar are
        String caption = robot.lookup("#kCaption").queryAs(Label.class).getText();
        assertTrue(caption.contains("median") && caption.contains("slowest") && caption.contains("stopped"), caption);
        assertEquals(8, lab.experiments.size(), "the table keeps every run");
        assertEquals(8, robot.lookup("#experiments").queryTableView().getItems().size());
        LabAppTest.screenshot(chart, "experiments-bars.png");
    }

    @Test
    void aDrafterKeepsItsColourWhenRunsAreAddedRemovedOrSorted(FxRobot robot) throws Exception {
        robot.interact(() -> lab.experiments.setAll(runs()));
        Map<String, String> before = legendColours(robot);
        String layers = key(before, "early exit 3 layers"), ngram = key(before, "n-gram 3");
        assertEquals(before.get(layers), lineColour(chart(robot), "· early exit 3 layers"), "the legend and the line agree");

        // the n-gram runs removed, a new drafter added, the table sorted by tokens/s
        robot.interact(() -> {
            lab.experiments.removeIf(e -> NGRAM.equals(e.draftModel()));
            lab.experiments.add(0, run("n-gram lookup (n ≤ 5)", 4, 140, "length"));
            TableView<Experiment> table = robot.lookup("#experiments").queryTableView();
            TableColumn<Experiment, ?> tps = table.getColumns().get(4);
            table.getSortOrder().setAll(tps);
        });
        WaitForAsyncUtils.waitForFxEvents();
        Map<String, String> after = legendColours(robot);
        assertFalse(after.containsKey(ngram));
        assertEquals(before.get(layers), after.get(layers));
        assertEquals(before.get(key(before, "draft: stories-draft-distilled.gguf (Q8_0)")), after.get(key(after, "draft: stories-draft-distilled.gguf (Q8_0)")));
        assertEquals(after.size(), after.values().stream().distinct().count(), "every series its own colour: " + after);
        assertEquals(after.get(layers), lineColour(chart(robot), "· early exit 3 layers"));
    }

    private static String key(Map<String, String> m, String endsWith) {
        return m.keySet().stream().filter(k -> k.endsWith(endsWith)).findFirst().orElseThrow(() -> new AssertionError(endsWith + " not in " + m));
    }

    private static Map<String, String> legendColours(FxRobot robot) {
        WaitForAsyncUtils.waitForFxEvents();
        Pane legend = robot.lookup("#kLegend").queryAs(Pane.class);
        return legend.getChildren().stream().map(n -> (Label) n).filter(l -> !l.getText().endsWith("(predicted)"))
                .collect(Collectors.toMap(Label::getText, l -> (String) l.getProperties().get("colour")));
    }

    private static String lineColour(ErrorBarChart chart, String endsWith) {
        String style = series(chart, endsWith).getNode().getStyle();
        return style.replaceAll(".*-fx-stroke: (#[0-9a-f]+);.*", "$1");
    }

    @Test
    void theDrafterColumnNamesTheFileAndStoppedRunsAreMarked(FxRobot robot) throws Exception {
        robot.interact(() -> lab.experiments.setAll(runs()));
        WaitForAsyncUtils.waitForFxEvents();
        TableView<Experiment> table = robot.lookup("#experiments").queryTableView();
        TableColumn<Experiment, ?> drafter = table.getColumns().get(2), ended = table.getColumns().getLast();
        assertEquals("", drafter.getCellData(0));
        assertEquals("n-gram 3", drafter.getCellData(1));
        assertEquals("early exit 3 layers", drafter.getCellData(5));
        assertEquals("draft: stories-draft-distilled.gguf (Q8_0)", drafter.getCellData(6));
        assertEquals("token limit", ended.getCellData(1));
        assertEquals("end of text", ended.getCellData(3));
        assertEquals("■ stopped", ended.getCellData(7));
        // a float temperature recorded as a double reads as it was set, in the table and the chart's legend
        robot.interact(() -> lab.experiments.add(org.speclab.lab.TestRuns.run("stories260K", NGRAM, null, 4, 0.8f, "Once", 90, "length")));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("0.8", table.getColumns().get(10).getCellData(8));
        assertTrue(legendColours(robot).keySet().stream().anyMatch(k -> k.equals("stories260K F32 T0.8 · n-gram 3")), legendColours(robot).toString());
        var rows = table.lookupAll(".table-row-cell").stream().map(n -> (TableRow<?>) n).filter(r -> r.getItem() != null).toList();
        var stopped = rows.stream().filter(r -> r.getIndex() == 7).findFirst().orElseThrow();
        assertTrue(stopped.getPseudoClassStates().contains(PseudoClass.getPseudoClass("stopped")));
        assertTrue(stopped.getTooltip().getText().contains("left out of the chart"), stopped.getTooltip().getText());
        var finished = rows.stream().filter(r -> r.getIndex() == 6).findFirst().orElseThrow();
        assertFalse(finished.getPseudoClassStates().contains(PseudoClass.getPseudoClass("stopped")));
        assertNull(finished.getTooltip());
        LabAppTest.screenshot(table, "experiments-table.png");
    }

    @Test
    void alphaCAndTheVerifyCostExplainThemselvesInBothLanguages(FxRobot robot) throws Exception {
        robot.interact(() -> lab.experiments.setAll(runs()));
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(headerTip(robot, "α").contains("accepted ÷ (accepted + rejected)"));
        assertTrue(headerTip(robot, "c").contains("cost_ratio_c"));
        assertTrue(headerTip(robot, "Predicted").contains("Verify cost: the time of one target pass over the k + 1 positions"));
        assertTrue(headerTip(robot, "Drafter").contains("n-gram lookup"));
        assertTrue(axisTip(robot).startsWith("k: "));

        Map<String, String> en = legendColours(robot); // before the Chinese window opens: lookups search every window
        Lab zh = new Lab(Locale.SIMPLIFIED_CHINESE, TempDirs.create("speclab-exp").resolve("experiments.json"), null);
        Stage[] stage = new Stage[1];
        robot.interact(() -> {
            stage[0] = new Stage();
            show(stage[0], zh);
            zh.experiments.setAll(runs());
        });
        WaitForAsyncUtils.waitForFxEvents();
        try {
            var root = stage[0].getScene().getRoot();
            assertTrue(headerTip(root, "α").contains("逐词元接受概率"));
            assertTrue(headerTip(root, "c").contains("cost_ratio_c"));
            assertTrue(headerTip(root, "预测加速").contains("验证开销"));
            TableView<?> table = (TableView<?>) root.lookup("#experiments");
            assertEquals("草稿模型：stories-draft-distilled.gguf (Q8_0)", table.getColumns().get(2).getCellData(6));
            assertEquals("■ 已停止", table.getColumns().getLast().getCellData(7));
            assertTrue(((Label) root.lookup("#kCaption")).getText().contains("中位数"));
            // the same drafter has the same colour in either language
            var zhLegend = ((Pane) root.lookup("#kLegend")).getChildren().stream().map(n -> (Label) n)
                    .collect(Collectors.toMap(Label::getText, l -> (String) l.getProperties().get("colour")));
            assertEquals(en.get(key(en, "early exit 3 layers")), zhLegend.get(key(zhLegend, "提前退出：前 3 层")));
            assertEquals(en.get(key(en, "n-gram 3")), zhLegend.get(key(zhLegend, "n-gram 查找（n ≤ 3）")));
            LabAppTest.screenshot(root, "experiments-view-zh.png");
        } finally {
            robot.interact(() -> stage[0].close());
        }
        LabAppTest.screenshot(robot.lookup("#experiments").query(), "experiments-view.png");
    }

    private static String headerTip(FxRobot robot, String column) throws Exception {
        return headerTip(robot.lookup("#experiments").query().getScene().getRoot(), column);
    }

    /** The tooltip installed on a column's header, as the pointer finds it (null-safe: fails with the column's name). */
    private static String headerTip(javafx.scene.Parent root, String column) throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> root.lookupAll(".column-header").stream()
                .anyMatch(n -> n instanceof TableColumnHeader h && h.getTableColumn() != null && column.equals(h.getTableColumn().getText())
                        && h.getProperties().values().stream().anyMatch(v -> v instanceof Tooltip)));
        return root.lookupAll(".column-header").stream()
                .filter(n -> n instanceof TableColumnHeader h && h.getTableColumn() != null && column.equals(h.getTableColumn().getText()))
                .flatMap(n -> n.getProperties().values().stream()).filter(v -> v instanceof Tooltip).map(v -> ((Tooltip) v).getText())
                .findFirst().orElseThrow(() -> new AssertionError("no tooltip on " + column));
    }

    private static String axisTip(FxRobot robot) {
        var axis = robot.lookup("#kChart").queryAs(ErrorBarChart.class).getXAxis();
        return axis.getProperties().values().stream().filter(v -> v instanceof Tooltip).map(v -> ((Tooltip) v).getText()).findFirst().orElseThrow();
    }
}
