package org.speclab.ui;

import eu.hansolo.medusa.Gauge;
import eu.hansolo.medusa.Section;
import javafx.scene.control.Label;
import javafx.scene.paint.Color;
import javafx.scene.shape.Rectangle;

/**
 * The Run view's two Medusa gauges, rings small enough for one row beside their legends: memory, a bar of all the
 * process holds with its bands (the outer ring) the run's weights, its KV cache and the rest, against the machine's
 * (or the GPU's) total; bandwidth, the achieved GB/s against the device's peak, the ring's end.
 */
final class Gauges {
    static final Color WEIGHTS = Color.web("#2563eb"), KV_CACHE = Color.web("#d97706"), REST = Color.web("#9ca3af");
    /** Bytes per gigabyte as {@link Formats#bytes} counts them, so the scale and the texts agree. */
    static final double GB = 1024.0 * 1024 * 1024;

    private Gauges() {}

    /** The look both share: title, value and unit inside the ring, no animation, the light theme's colours. */
    static void setUp(Gauge g, String title, String unit, int decimals) {
        g.setAnimated(false);
        g.setTitle(title);
        g.setTitleColor(Color.web("#111827"));
        g.setUnit(unit);
        g.setDecimals(decimals);
        g.setSectionsVisible(true);
        g.setBackgroundPaint(Color.TRANSPARENT);
        g.setBarBackgroundColor(Color.web("#e5e7eb"));
        g.setBarColor(Color.web("#0f766e"));
        g.setValueColor(Color.web("#111827"));
        g.setUnitColor(Color.web("#374151"));
        clear(g);
    }

    /** A colour chip before each legend label, the same colour as its band. */
    static void legend(Label weights, Label kv, Label rest) {
        weights.setGraphic(new Rectangle(10, 10, WEIGHTS));
        kv.setGraphic(new Rectangle(10, 10, KV_CACHE));
        rest.setGraphic(new Rectangle(10, 10, REST));
    }

    /** Empty, as at the start of a run. */
    static void clear(Gauge g) {
        g.getSections().clear();
        g.setMaxValue(1);
        g.setValue(0);
    }

    /**
     * {@code used} bytes of {@code total}: the bar is all that is used, the bands the run's weights, its KV cache and
     * the rest (the Java heap, the lab itself, or on a GPU whatever else the device holds), laid end to end.
     */
    static void memory(Gauge g, long weights, long kvCache, long used, long total, String[] names) {
        double w = weights / GB, kv = kvCache / GB, all = Math.max(hundredths(used / GB), w + kv), max = Math.max(total / GB, all);
        g.setMaxValue(max);
        g.setSections(new Section(0, w, names[0], WEIGHTS), new Section(w, w + kv, names[1], KV_CACHE), new Section(w + kv, all, names[2], REST));
        g.setValue(all);
    }

    /** The achieved GB/s against the peak, the scale's end (the peak unknown: the scale ends at what was achieved). */
    static void bandwidth(Gauge g, double achieved, double peak) {
        g.getSections().clear();
        g.setMaxValue(peak > 0 ? Math.max(peak, achieved) : Math.max(achieved, 1e-9));
        g.setValue(hundredths(achieved));
    }

    /** Rounded as the texts beside the gauges print it (%.2f): Medusa cuts the digits off, and 2.538 would read 2.53 beside 2.54. */
    static double hundredths(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
