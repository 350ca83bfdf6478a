package org.speclab.lab;

import java.util.Arrays;

/**
 * A figure measured {@code n} times: the median and the range. Repeated runs on a desktop vary
 * (the JIT, the scheduler, the CPU's clock); one number without its spread cannot be trusted.
 */
public record Spread(double median, double min, double max, int n) {
    public static final Spread NONE = new Spread(Double.NaN, Double.NaN, Double.NaN, 0);

    /** The spread of the numbers in {@code values} that are not NaN; {@link #NONE} when there are none. */
    public static Spread of(double... values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) return NONE;
        int m = v.length / 2;
        double median = v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
        return new Spread(median, v[0], v[v.length - 1], v.length);
    }

    public boolean present() { return n > 0; }

    /** e.g. "123.4 (118.0–127.9, 3 runs)" with {@code format} "%.1f"; just the value for one run. */
    public String format(String format, String runs) {
        if (n == 0) return "";
        String m = String.format(java.util.Locale.ROOT, format, median);
        if (n == 1) return m;
        return m + " (" + String.format(java.util.Locale.ROOT, format, min) + "–" + String.format(java.util.Locale.ROOT, format, max)
                + ", " + n + " " + runs + ")";
    }
}
