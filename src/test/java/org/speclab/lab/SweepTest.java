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
        Sweep s = new Sweep(List.of(target), List.of(new DrafterChoice.NGram(2), new DrafterChoice.EarlyExitLayers(4),
                new DrafterChoice.DraftFile(SharedFiles.require("models/stories-draft-distilled/draft.gguf"))),
                List.of(1, 3), List.of(0f), 40, "Once upon a time", 1, 7);
        List<Experiment> rows = s.run(JobContext.silent());
        assertEquals(1 + 3 * 2, rows.size());
        Experiment base = rows.getFirst();
        assertNull(base.speculateK());
        assertNull(base.draftModel());
        for (Experiment e : rows.subList(1, rows.size())) {
            assertTrue(e.speculateK() == 1 || e.speculateK() == 3);
            assertTrue(e.tokensPerSec() > 0 && e.baselineTokensPerSec() > 0 && e.predictedSpeedup() > 0, e.toString());
            // 40 tokens of a 260K model take milliseconds: too short to time, so no measured speedup is claimed
            assertNull(e.measuredSpeedup(), e.toString());
            assertEquals(40, e.newTokens());
        }
        assertTrue(rows.stream().anyMatch(e -> "draft.gguf".equals(e.draftModel()) && "stories260K".equals(e.model()) && "F32".equals(e.draftQuantization())), rows.toString());
        assertTrue(ExperimentExport.markdown(rows).lines().count() == 2 + rows.size());
    }

    /** A sweep with float16 KV caches: every row names the cache beside the device, and its memory counts half a float32 cache. */
    @Test
    void aSweepWithFloat16CachesSaysSo() {
        var target = SharedFiles.require("models/stories260K/stories260K.gguf");
        List<Experiment> half = new Sweep(List.of(target), List.of(new DrafterChoice.EarlyExitLayers(4)), List.of(2), List.of(0f), 24, List.of("Once upon a time"),
                1, 2, 7, "cpu", java.util.Map.of(), org.speclab.engine.CacheType.F16).run(JobContext.silent());
        List<Experiment> full = new Sweep(List.of(target), List.of(new DrafterChoice.EarlyExitLayers(4)), List.of(2), List.of(0f), 24, List.of("Once upon a time"),
                1, 2, 7, "cpu", java.util.Map.of()).run(JobContext.silent());
        assertEquals(2, half.size());
        for (Experiment e : half) assertEquals("cpu (2 threads, f16 KV cache)", e.device());
        for (Experiment e : full) assertEquals("cpu (2 threads)", e.device());
        assertTrue(half.getFirst().memoryGb() < full.getFirst().memoryGb(), half.getFirst().memoryGb() + " vs " + full.getFirst().memoryGb());
    }

    /** A llama2.c checkpoint whose tokenizer lies elsewhere (chosen in the Library) runs with it; without it, one line. */
    @Test
    void aCheckpointRunsWithTheTokenizerChosenForIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var bin = java.nio.file.Files.copy(SharedFiles.require("models/stories260K/stories260K.bin"), dir.resolve("stories260K.bin"));
        var tok = SharedFiles.require("models/stories260K/tok512.bin");
        List<Experiment> rows = new Sweep(List.of(bin), List.of(new DrafterChoice.NGram(2)), List.of(2), List.of(0f), 16,
                List.of("Once upon a time"), 1, 1, 7, "cpu", java.util.Map.of(bin, tok)).run(JobContext.silent());
        assertEquals(2, rows.size());
        for (Experiment e : rows) assertTrue(e.tokensPerSec() > 0, e.toString());
        Sweep without = new Sweep(List.of(bin), List.of(new DrafterChoice.NGram(2)), List.of(2), List.of(0f), 16, "Once upon a time", 1, 7);
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> without.run(JobContext.silent()));
        assertTrue(e.getMessage().contains("stories260K.bin") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void everyPromptAndTheMeanOfSamples() {
        var target = SharedFiles.require("models/stories260K/stories260K.gguf");
        Sweep s = new Sweep(List.of(target), List.of(new DrafterChoice.NGram(2)), List.of(1, 4), List.of(0f), 24,
                List.of("Once upon a time", "Tom and Lily"), 2, 1, 7);
        List<Experiment> rows = s.run(JobContext.silent());
        assertEquals(2 * (1 + 2), rows.size());
        assertEquals(3, rows.stream().filter(e -> e.prompt().equals("Tom and Lily")).count());
        for (Experiment e : rows) {
            assertEquals(2, e.numSamples());
            assertEquals(24, e.newTokens());
            assertTrue(e.tokensPerSec() > 0 && e.memoryGb() > 0, e.toString());
        }
    }

    @Test
    void cellsThatDoNotFitAreRecordedAsOutOfMemory() {
        var target = SharedFiles.require("models/stories260K/stories260K.gguf");
        var draft = SharedFiles.require("models/stories-draft-distilled/draft.gguf");
        List<DrafterChoice> drafters = List.of(new DrafterChoice.DraftFile(draft), new DrafterChoice.EarlyExitLayers(0));
        long targetBytes = MemoryCheck.bytesToRun(target, null, 40 + 512);
        try {
            // nothing fits: every row says so, nothing is loaded, nothing throws
            System.setProperty("speclab.memory.available", "1");
            List<Experiment> none = new Sweep(List.of(target), drafters, List.of(2), List.of(0f), 40, "Once upon a time", 1, 7).run(JobContext.silent());
            assertEquals(3, none.size());
            for (Experiment e : none) {
                assertEquals(Sweep.OUT_OF_MEMORY, e.stopReason());
                assertEquals(0, e.tokensPerSec());
                assertNull(e.measuredSpeedup());
            }
            // the target fits, the target with the draft model does not: only that cell is oom
            System.setProperty("speclab.memory.available", Long.toString(targetBytes));
            List<Experiment> some = new Sweep(List.of(target), drafters, List.of(2), List.of(0f), 40, "Once upon a time", 1, 7).run(JobContext.silent());
            assertEquals(3, some.size());
            assertTrue(some.get(0).tokensPerSec() > 0, some.get(0).toString());
            assertEquals(Sweep.OUT_OF_MEMORY, some.get(1).stopReason());
            assertEquals("draft.gguf", some.get(1).draftModel());
            assertTrue(some.get(2).tokensPerSec() > 0 && "early exit 3 layers".equals(some.get(2).draftModel()), some.get(2).toString());
        } finally {
            System.clearProperty("speclab.memory.available");
        }
    }
}
