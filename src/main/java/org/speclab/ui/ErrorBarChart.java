package org.speclab.ui;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javafx.beans.NamedArg;
import javafx.scene.chart.Axis;
import javafx.scene.chart.LineChart;
import javafx.scene.shape.LineTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;

/**
 * A line chart whose points may stand for several runs: a point whose extra value is a {@link Spread}
 * sits at their median and gets a vertical bar from their minimum to their maximum, with caps.
 * JavaFX's charts have no error bars; these are paths laid out beside the symbols. Series are
 * coloured by {@link #paint}, by name, not by JavaFX's index-based default colours.
 */
public final class ErrorBarChart extends LineChart<Number, Number> {
    /** The runs a point stands for: their slowest and fastest, how many, how many stopped runs were left out. */
    public record Spread(double min, double max, int runs, int stopped) {}

    private static final double CAP = 4;
    private static final String COLOUR = "speclab.colour";
    private final Map<Data<Number, Number>, Path> bars = new HashMap<>();

    public ErrorBarChart(@NamedArg("xAxis") Axis<Number> xAxis, @NamedArg("yAxis") Axis<Number> yAxis) {
        super(xAxis, yAxis);
    }

    /** Colours a series already on the chart: its line, its points and its bars. */
    void paint(Series<Number, Number> s, String colour) {
        if (s.getNode() != null) {
            s.getNode().getProperties().put(COLOUR, colour);
            s.getNode().setStyle("-fx-stroke: " + colour + ";");
        }
        for (var d : s.getData()) if (d.getNode() != null) d.getNode().setStyle("-fx-background-color: " + colour + ", white;");
    }

    /** The bar drawn for a point, or null when it stands for one run (or runs that all measured the same). */
    Path barOf(Data<Number, Number> d) {
        return bars.get(d);
    }

    /** The value axis reaches the ends of the bars, not only the medians. */
    @Override
    protected void updateAxisRange() {
        super.updateAxisRange();
        if (!getYAxis().isAutoRanging()) return;
        List<Number> ys = new ArrayList<>();
        for (var s : getData()) {
            for (var d : s.getData()) {
                ys.add(d.getYValue());
                if (d.getExtraValue() instanceof Spread sp) {
                    ys.add(sp.min());
                    ys.add(sp.max());
                }
            }
        }
        if (!ys.isEmpty()) getYAxis().invalidateRange(ys);
    }

    @Override
    protected void layoutPlotChildren() {
        super.layoutPlotChildren();
        Set<Data<Number, Number>> live = new HashSet<>();
        for (var s : getData()) {
            Object colour = s.getNode() == null ? null : s.getNode().getProperties().get(COLOUR);
            for (var d : s.getData()) {
                if (!(d.getExtraValue() instanceof Spread sp) || !(sp.max() > sp.min())) continue;
                live.add(d);
                Path bar = bars.computeIfAbsent(d, x -> {
                    Path p = new Path();
                    p.getStyleClass().add("error-bar");
                    getPlotChildren().add(p);
                    p.toBack(); // under the point and the line
                    return p;
                });
                double x = getXAxis().getDisplayPosition(d.getXValue());
                double lo = getYAxis().getDisplayPosition(sp.min()), hi = getYAxis().getDisplayPosition(sp.max());
                bar.getElements().setAll(new MoveTo(x, lo), new LineTo(x, hi), new MoveTo(x - CAP, lo), new LineTo(x + CAP, lo),
                        new MoveTo(x - CAP, hi), new LineTo(x + CAP, hi));
                bar.setStyle(colour == null ? "" : "-fx-stroke: " + colour + ";");
            }
        }
        bars.entrySet().removeIf(e -> {
            if (live.contains(e.getKey())) return false;
            getPlotChildren().remove(e.getValue());
            return true;
        });
    }
}
