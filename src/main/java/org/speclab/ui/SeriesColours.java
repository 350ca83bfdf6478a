package org.speclab.ui;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A chart series' colour that follows its name, not its place: JavaFX colours series by index, so a
 * drafter's line changed colour whenever a run was added, removed or the table re-sorted. Each name
 * takes the palette slot its hash points to (String.hashCode is fixed by the language, so the same
 * name gets the same colour in the next session too), or the next free one when another name holds
 * it; a name keeps its slot for as long as it is on the chart.
 */
final class SeriesColours {
    /** Tableau 10 (its grey swapped for Tableau 20's teal: grey reads as "muted" here), distinguishable in print and for the common colour-vision deficiencies. */
    static final List<String> PALETTE = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#499894");

    private final Map<String, Integer> slots = new HashMap<>();

    /**
     * Colours for the names now on the chart: names already coloured keep theirs, names gone free
     * their slot, new names take theirs in the order given (a fixed order, so ties resolve the same way).
     */
    Map<String, String> assign(List<String> names) {
        slots.keySet().retainAll(names);
        BitSet used = new BitSet();
        slots.values().forEach(used::set);
        Map<String, String> out = new HashMap<>();
        for (String n : names) {
            Integer slot = slots.get(n);
            if (slot == null) {
                int want = Math.floorMod(n.hashCode(), PALETTE.size());
                int free = used.nextClearBit(want);
                if (free >= PALETTE.size()) free = used.nextClearBit(0);
                slot = free < PALETTE.size() ? free : want; // more names than colours: share
                slots.put(n, slot);
                used.set(slot);
            }
            out.put(n, PALETTE.get(slot));
        }
        return out;
    }
}
