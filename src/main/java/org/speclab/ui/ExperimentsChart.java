package org.speclab.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart.Data;
import javafx.scene.chart.XYChart.Series;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Pane;
import javafx.scene.shape.Line;
import org.speclab.lab.Experiment;
import org.speclab.lab.RepeatedRuns;
import org.speclab.lab.Sweep;

/**
 * Tokens/s against k: a line per target × drafter × temperature (× device and prompt, when runs
 * differ in them), each point the median of the runs with that setting and a bar over their spread;
 * the target alone as a flat line; what Theorem 3.8 predicted, dashed in the drafter's colour. The
 * legend is the view's own, so it carries the same stable colours as the lines.
 */
final class ExperimentsChart {
    private final Lab lab;
    private final ErrorBarChart chart;
    private final NumberAxis kAxis;
    private final Pane legend;
    private final SeriesColours colours = new SeriesColours();

    ExperimentsChart(Lab lab, ErrorBarChart chart, NumberAxis kAxis, Pane legend) {
        this.lab = lab;
        this.chart = chart;
        this.kAxis = kAxis;
        this.legend = legend;
        chart.setLegendVisible(false);
        Tooltip.install(kAxis, new Tooltip(lab.t("experiments.tip.k")));
    }

    void draw(List<Experiment> experiments) {
        chart.getData().clear();
        List<Experiment> ran = experiments.stream().filter(e -> !Sweep.OUT_OF_MEMORY.equals(e.stopReason())).toList();
        boolean prompts = ran.stream().map(Experiment::prompt).distinct().count() > 1;
        boolean devices = ran.stream().map(Experiment::device).distinct().count() > 1;
        // by name, so the legend's order does not follow the table's sorting
        Map<String, Series<Number, Number>> alone = new TreeMap<>(), measured = new TreeMap<>(), predicted = new TreeMap<>();
        Map<String, Double> baseline = new TreeMap<>();
        // colours follow what the record says, not the words of the language shown: switching language keeps them
        Map<String, String> colourKey = new java.util.HashMap<>();
        int maxK = 1;
        for (RepeatedRuns.Group g : RepeatedRuns.of(ran)) {
            if (g.counted().isEmpty()) continue; // every run of it stopped
            Experiment e = g.counted().getFirst();
            String base = e.model() + " " + e.modelQuantization() + " T" + ExperimentsView.temperature(e) + (devices ? " " + e.device() : "")
                    + (prompts ? " «" + e.prompt() + "»" : "");
            if (e.speculateK() == null) {
                baseline.put(base, g.median());
                continue;
            }
            maxK = Math.max(maxK, e.speculateK());
            String key = base + " · " + ExperimentsView.drafter(lab, e);
            colourKey.put(key, base + " · " + e.draftModel() + " " + e.draftQuantization());
            Data<Number, Number> point = new Data<>(e.speculateK(), g.median());
            point.setExtraValue(new ErrorBarChart.Spread(g.min(), g.max(), g.counted().size(), g.stopped()));
            measured.computeIfAbsent(key, ExperimentsChart::named).getData().add(point);
            Double p = g.predictedTokensPerSec();
            if (p != null) predicted.computeIfAbsent(key, x -> named(x + " (" + lab.t("experiments.predicted") + ")")).getData().add(new Data<>(e.speculateK(), p));
        }
        // k is a whole number: one tick per k, with room either side so no point sits on the frame
        kAxis.setUpperBound(maxK + 1);
        for (var b : baseline.entrySet()) {
            var s = named(b.getKey() + " (" + lab.t("experiments.alone") + ")");
            s.getData().add(new Data<>(1, b.getValue()));
            s.getData().add(new Data<>(maxK, b.getValue()));
            alone.put(b.getKey(), s);
        }
        for (var s : measured.values()) s.getData().sort(java.util.Comparator.comparingDouble(d -> d.getXValue().doubleValue()));
        for (var s : predicted.values()) s.getData().sort(java.util.Comparator.comparingDouble(d -> d.getXValue().doubleValue()));
        for (String b : alone.keySet()) colourKey.put(b, b + " alone");
        List<String> names = new ArrayList<>(alone.keySet());
        names.addAll(measured.keySet());
        Map<String, String> byKey = colours.assign(names.stream().map(colourKey::get).sorted().toList()), colour = new java.util.HashMap<>();
        for (String n : names) colour.put(n, byKey.get(colourKey.get(n)));
        chart.getData().addAll(alone.values());
        chart.getData().addAll(measured.values());
        chart.getData().addAll(predicted.values());
        legend.getChildren().clear();
        for (var a : alone.entrySet()) show(a.getValue(), colour.get(a.getKey()), false);
        for (var m : measured.entrySet()) {
            show(m.getValue(), colour.get(m.getKey()), false);
            for (var d : m.getValue().getData()) Tooltip.install(d.getNode(), new Tooltip(pointText(m.getKey(), d)));
            Series<Number, Number> p = predicted.get(m.getKey());
            if (p != null) show(p, colour.get(m.getKey()), true);
        }
    }

    /** Paints a series and gives it a legend entry: a short line in its colour, dashed for a prediction. */
    private void show(Series<Number, Number> s, String colour, boolean dashed) {
        chart.paint(s, colour);
        if (dashed && s.getNode() != null) s.getNode().getStyleClass().add("predicted");
        Line swatch = new Line(0, 0, 18, 0);
        swatch.setStyle("-fx-stroke: " + colour + "; -fx-stroke-width: 3;" + (dashed ? " -fx-stroke-dash-array: 5 3;" : ""));
        Label item = new Label(s.getName(), swatch);
        item.getStyleClass().add("experiments-legend-item");
        item.getProperties().put("colour", colour);
        legend.getChildren().add(item);
    }

    private String pointText(String series, Data<Number, Number> d) {
        var sp = (ErrorBarChart.Spread) d.getExtraValue();
        String text = sp.runs() == 1
                ? lab.t("experiments.point.one", series, d.getXValue(), f(d.getYValue()))
                : lab.t("experiments.point", series, d.getXValue(), f(d.getYValue()), sp.runs(), f(sp.min()), f(sp.max()));
        return sp.stopped() == 0 ? text : text + "\n" + lab.t("experiments.point.stopped", sp.stopped());
    }

    private static String f(Number v) {
        return String.format("%.1f", v.doubleValue());
    }

    private static Series<Number, Number> named(String name) {
        var s = new Series<Number, Number>();
        s.setName(name);
        return s;
    }
}
