package org.speclab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.speclab.lab.TestRuns.run;

import org.junit.jupiter.api.Test;

/** draft_model as each writer records it: the decoders' descriptions, a sweep's unrun cells, file names and stems. */
class DrafterLabelTest {
    private static DrafterLabel of(String draft, String quant) {
        return DrafterLabel.of(run("stories260K", draft, quant, 4, 0, "Once", 1, "length"));
    }

    @Test
    void readsEachWayADrafterIsRecorded() {
        assertEquals(new DrafterLabel.NGram(3), of("n-gram lookup (n ≤ 3)", null));
        assertEquals(new DrafterLabel.NGram(2), of("n-gram 2", null));
        assertEquals(new DrafterLabel.EarlyExit(3), of("early exit after 3 layers", null));
        assertEquals(new DrafterLabel.EarlyExit(1), of("early exit after 1 layer", null));
        assertEquals(new DrafterLabel.EarlyExit(null), of("early exit after half the layers", null));
        assertEquals(new DrafterLabel.DraftFile("stories-draft-distilled.gguf", "Q8_0"), of("stories-draft-distilled.gguf", "Q8_0"));
        assertEquals(new DrafterLabel.DraftFile("stories-draft", null), of("draft model stories-draft", null));
        assertNull(of(null, null));
    }
}
