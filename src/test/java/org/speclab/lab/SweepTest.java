package org.speclab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;
import org.speclab.jobs.JobContext;

class SweepTest {
    @Test
    void gridOfRunsWithTheirBaseline() {
        var target = SharedFiles.require("models/stories260K/stories260K.gguf");
        Sweep s = new Sweep(List.of(target), List.of(new Sweep.DrafterSpec("ngram", 2, null), new Sweep.DrafterSpec("layers", 4, null),
                new Sweep.DrafterSpec("draft", 0, SharedFiles.require("models/stories-draft-distilled/draft.gguf"))),
                List.of(1, 3), List.of(0f), 40, "Once upon a time", 1, 7);
        List<Experiment> rows = s.run(JobContext.silent());
        assertEquals(1 + 3 * 2, rows.size());
        Experiment base = rows.getFirst();
        assertNull(base.speculateK());
        assertNull(base.draftModel());
        for (Experiment e : rows.subList(1, rows.size())) {
            assertTrue(e.speculateK() == 1 || e.speculateK() == 3);
            assertTrue(e.tokensPerSec() > 0 && e.measuredSpeedup() > 0 && e.predictedSpeedup() > 0, e.toString());
            assertEquals(40, e.newTokens());
        }
        assertTrue(rows.stream().anyMatch(e -> "draft".equals(e.draftModel()) && "stories260K".equals(e.model()) && "F32".equals(e.draftQuantization())), rows.toString());
        assertTrue(ExperimentExport.markdown(rows).lines().count() == 2 + rows.size());
    }
}
