package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;
import org.speclab.cli.CliRun;
import org.speclab.jobs.JobContext;
import org.speclab.lab.DrafterChoice;
import org.speclab.lab.Experiment;
import org.speclab.lab.Sweep;

/**
 * One experiment protocol: the same small experiment run through the CLI, the Run view's session
 * and a one-cell sweep gives the same record up to timing: the same model and drafter names, weight
 * types, k, device, memory (what the run's models hold), tokens and acceptance.
 */
class SameRecordEverywhereTest {
    @TempDir
    Path dir;

    @Test
    void theCliTheRunViewAndASweepRecordTheSameExperiment() throws Exception {
        Path model = SharedFiles.require("models/stories260K/stories260K.gguf");
        Path draft = SharedFiles.require("models/stories-draft-distilled/draft.gguf");
        String prompt = "Once upon a time";

        CliRun r = CliRun.of("generate", "-m", model.toString(), "-d", draft.toString(), "-k", "3", "-t", "0", "-n", "40", "-p", prompt,
                "--threads", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        Experiment cli = new ObjectMapper().readValue(r.out().strip(), Experiment.class);

        var events = new ConcurrentLinkedQueue<RunSession.Event>();
        var s = new RunSession.Settings(model, new DrafterChoice.DraftFile(draft), 3, false, 0f, org.speclab.decode.Sampler.DEFAULT_TOP_K, 1f, 40, 1,
                true, 3, prompt, "cpu", false);
        new RunSession(s, new Lab(Locale.ENGLISH, dir.resolve("experiments.json"), null), events, new AtomicBoolean(), () -> {}).run();
        Experiment run = events.stream().filter(e -> e instanceof RunSession.Event.Done).map(e -> ((RunSession.Event.Done) e).experiment())
                .findFirst().orElse(null);
        assertNotNull(run, events.toString());

        List<Experiment> rows = new Sweep(List.of(model), List.of(new DrafterChoice.DraftFile(draft)), List.of(3), List.of(0f), 40, List.of(prompt), 3, 1,
                1234).run(JobContext.silent());
        Experiment sweep = rows.get(1); // after the target alone's row

        for (Experiment e : List.of(run, sweep)) {
            assertEquals(cli.model(), e.model());
            assertEquals("stories260K", e.model());
            assertEquals(cli.modelQuantization(), e.modelQuantization());
            assertEquals(cli.draftModel(), e.draftModel());
            assertEquals("draft.gguf", e.draftModel());
            assertEquals(cli.draftQuantization(), e.draftQuantization());
            assertEquals(cli.speculateK(), e.speculateK());
            assertEquals(cli.device(), e.device());
            assertEquals(cli.memoryGb(), e.memoryGb(), 1e-12, "memory_gb: weights and KV caches of both models");
            assertEquals(cli.newTokens(), e.newTokens());
            assertEquals(cli.maxNewTokens(), e.maxNewTokens());
            assertEquals(cli.temperature(), e.temperature());
            assertEquals(cli.topK(), e.topK());
            assertEquals(cli.prompt(), e.prompt());
            // greedy: the same tokens drafted and kept, so the same acceptance
            assertArrayEquals(cli.acceptanceCounts(), e.acceptanceCounts());
            assertEquals(cli.meanAccepted(), e.meanAccepted());
            assertEquals(cli.alpha(), e.alpha());
        }
        // the run view and the sweep measured three repeats; the CLI's line is its first sample
        assertEquals(3, run.repeats());
        assertEquals(3, sweep.repeats());
    }
}
