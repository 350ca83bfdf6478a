package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeriesColoursTest {
    private static final List<String> NAMES = List.of("stories260K F32 T0.0 · draft: stories-draft", "stories260K F32 T0.0 · n-gram 3",
            "stories260K F32 T0.0 · early exit 3 layers", "stories260K F32 T0.0 (target alone)");

    @Test
    void aSeriesKeepsItsColourWhenOthersComeGoOrChangeOrder() {
        SeriesColours colours = new SeriesColours();
        Map<String, String> before = colours.assign(NAMES);
        assertEquals(NAMES.size(), new HashSet<>(before.values()).size(), "distinct while the palette lasts");

        // the n-gram runs removed: the others keep theirs
        List<String> fewer = new ArrayList<>(NAMES);
        fewer.remove(1);
        Map<String, String> after = colours.assign(fewer);
        for (String n : fewer) assertEquals(before.get(n), after.get(n), n);

        // a new drafter, and every name in another order: still the same colours
        List<String> more = new ArrayList<>(NAMES);
        more.add("stories260K F32 T0.0 · draft: stories-draft-distilled");
        java.util.Collections.reverse(more);
        Map<String, String> again = colours.assign(more);
        for (String n : fewer) assertEquals(before.get(n), again.get(n), n);
        assertEquals(more.size(), new HashSet<>(again.values()).size());
    }

    @Test
    void aNameGetsTheSameColourInAFreshSessionWhenItsSlotIsFree() {
        // String.hashCode is fixed by the language: the next session colours a drafter as this one did
        for (String name : NAMES) {
            String own = SeriesColours.PALETTE.get(Math.floorMod(name.hashCode(), SeriesColours.PALETTE.size()));
            assertEquals(own, new SeriesColours().assign(List.of(name)).get(name), name);
        }
    }

    @Test
    void namesWhoseHashesCollideGetDifferentColoursWhileThePaletteLasts() {
        // "Aa" and "BB" have the same String.hashCode
        assertEquals("Aa".hashCode(), "BB".hashCode());
        Map<String, String> c = new SeriesColours().assign(List.of("Aa", "BB"));
        assertNotEquals(c.get("Aa"), c.get("BB"));
    }

    @Test
    void moreNamesThanColoursShareRatherThanFail() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < SeriesColours.PALETTE.size() + 3; i++) many.add("drafter " + i);
        Map<String, String> c = new SeriesColours().assign(many);
        assertEquals(many.size(), c.size());
        assertEquals(SeriesColours.PALETTE.size(), new HashSet<>(c.values()).size());
    }
}
