package org.speclab.ui;

import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.control.skin.TableColumnHeader;

/**
 * Keeps every column at least as wide as its header in the current language, so a narrow window
 * scrolls the table sideways instead of showing "Archit…" (a clipped header reads as a bug).
 */
final class ColumnHeaders {
    private ColumnHeaders() {}

    static void neverClipped(TableView<?> table) {
        // the header labels exist, styled, only once the table's skin is built and laid out
        table.skinProperty().addListener((o, was, skin) -> {
            if (skin != null) Platform.runLater(() -> fit(table));
        });
        if (table.getSkin() != null) Platform.runLater(() -> fit(table));
    }

    private static void fit(TableView<?> table) {
        for (Node n : table.lookupAll(".column-header")) {
            if (n instanceof TableColumnHeader h && h.getTableColumn() != null && h.lookup(".label") instanceof Label l) {
                double needed = l.prefWidth(-1) + 12;
                if (h.getTableColumn().getMinWidth() < needed) h.getTableColumn().setMinWidth(needed);
                if (h.getTableColumn().getProperties().get(TIP) instanceof String tip) javafx.scene.control.Tooltip.install(h, new javafx.scene.control.Tooltip(tip));
            }
        }
    }

    /** A column property: the explanation its header shows on hover. */
    static final String TIP = "speclab.tooltip";

    /** Explains a column's figure when the pointer rests on its header. */
    static void explain(javafx.scene.control.TableColumn<?, ?> column, String text) {
        column.getProperties().put(TIP, text);
    }
}
