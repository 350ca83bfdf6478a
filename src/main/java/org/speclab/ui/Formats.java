package org.speclab.ui;

/** Numbers as the lab shows them. */
final class Formats {
    private Formats() {}

    static String bytes(long b) {
        if (b <= 0) return "";
        if (b < 1024) return b + " B";
        String[] u = {"KB", "MB", "GB", "TB"};
        double v = b;
        int i = -1;
        do {
            v /= 1024;
            i++;
        } while (v >= 1024 && i < u.length - 1);
        return String.format(v < 10 ? "%.2f %s" : "%.1f %s", v, u[i]);
    }

    static String count(long n) {
        if (n >= 1_000_000_000) return String.format("%.2f B", n / 1e9);
        if (n >= 1_000_000) return String.format("%.1f M", n / 1e6);
        if (n >= 1_000) return String.format("%.0f K", n / 1e3);
        return Long.toString(n);
    }
}
