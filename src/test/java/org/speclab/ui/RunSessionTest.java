package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSessionTest {
    @TempDir
    Path dir;

    @Test
    void aRefusedDeviceEndsTheRunWithOneReadableLine() {
        // the picker offers only probed devices, but a refused device must end the run, not leave it "Loading"
        Lab lab = new Lab(Locale.ENGLISH, dir.resolve("experiments.json"), null);
        var events = new ConcurrentLinkedQueue<RunSession.Event>();
        var s = new RunSession.Settings(dir.resolve("none.gguf"), null, 4, false, 0f, 40, 1f, 10, 1, false, 1, "x", "tpu", false);
        new RunSession(s, lab, events, new AtomicBoolean(), () -> {}).run();
        RunSession.Event.Done done = events.stream().filter(e -> e instanceof RunSession.Event.Done).map(e -> (RunSession.Event.Done) e)
                .findFirst().orElseThrow(() -> new AssertionError("no Done event: " + events));
        assertTrue(done.status().startsWith("Error: ") && done.status().contains("cpu or cuda"), done.status());
        assertEquals(-1, done.status().indexOf('\n'), done.status());
    }

    @Test
    void aSpeculativeRunIsRepeatedBesideTheTargetAloneAndShownOnce() {
        Path model = org.speclab.SharedFiles.require("models/stories260K/stories260K.gguf");
        Lab lab = new Lab(Locale.ENGLISH, dir.resolve("experiments.json"), null);
        var events = new ConcurrentLinkedQueue<RunSession.Event>();
        var s = new RunSession.Settings(model, new org.speclab.lab.DrafterChoice.EarlyExitLayers(3), 4, false, 0f, 40, 1f, 30, 1, true, 3,
                "Once upon a time", "cpu", false);
        new RunSession(s, lab, events, new AtomicBoolean(), () -> {}).run();
        RunSession.Event.Done done = events.stream().filter(e -> e instanceof RunSession.Event.Done).map(e -> (RunSession.Event.Done) e)
                .findFirst().orElseThrow(() -> new AssertionError("no Done event: " + events));
        assertTrue(done.experiment() != null, done.status());
        var e = done.experiment();
        assertEquals(3, e.repeats());
        assertEquals(3, done.tokensPerSecond().n());
        assertTrue(e.tokensPerSecMin() <= e.tokensPerSec() && e.tokensPerSec() <= e.tokensPerSecMax(), e.toString());
        assertTrue(e.baselineTokensPerSec() != null && e.baselineTokensPerSec() > 0, e.toString());
        assertEquals("stories260K", e.model());
        assertEquals("early exit 3 layers", e.draftModel());
        // the weights and a cache for prompt + 30 new tokens: the same figure the CLI and a sweep record
        assertTrue(e.memoryGb() > 0 && e.memoryGb() < 0.01, "memory " + e.memoryGb());
        // only the first repeat is streamed: 30 generated tokens, not 90
        long generated = events.stream().filter(ev -> ev instanceof RunSession.Event.Token t && t.kind() != org.speclab.decode.TokenKind.PROMPT).count();
        assertEquals(30, generated);
        List<Integer> repeats = events.stream().filter(ev -> ev instanceof RunSession.Event.Repeat).map(ev -> ((RunSession.Event.Repeat) ev).index()).toList();
        assertEquals(List.of(0, 1, 2), repeats);
        assertTrue(done.memory().weights() > 0 && done.memory().kvCache() > 0, done.memory().toString());
    }
}
