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

    /** A float16 cache chosen in the run view: the record names it beside the device, and the cache is half a float32 one's bytes. */
    @Test
    void aFloat16CacheIsRecordedAndHalvesTheCacheFigure() {
        Path model = org.speclab.SharedFiles.require("models/stories260K/stories260K.gguf");
        Lab lab = new Lab(Locale.ENGLISH, dir.resolve("experiments.json"), null);
        RunSession.Event.Done[] done = new RunSession.Event.Done[2];
        org.speclab.engine.CacheType[] types = org.speclab.engine.CacheType.values();
        for (int i = 0; i < 2; i++) {
            var events = new ConcurrentLinkedQueue<RunSession.Event>();
            var s = new RunSession.Settings(model, null, 4, false, 0f, 40, 1f, 30, 2, false, 1, "Once upon a time", "cpu", false, types[i]);
            new RunSession(s, lab, events, new AtomicBoolean(), () -> {}).run();
            done[i] = events.stream().filter(e -> e instanceof RunSession.Event.Done).map(e -> (RunSession.Event.Done) e)
                    .findFirst().orElseThrow(() -> new AssertionError("no Done event: " + events));
            assertTrue(done[i].experiment() != null, done[i].status());
        }
        assertEquals("cpu (2 threads)", done[0].experiment().device());
        assertEquals("cpu (2 threads, f16 KV cache)", done[1].experiment().device());
        assertEquals(done[0].memory().kvCache(), 2 * done[1].memory().kvCache(), done[0].memory() + " / " + done[1].memory());
        assertEquals(done[0].memory().weights(), done[1].memory().weights());
    }

    @Test
    void aModelFileChangedDuringARunStopsItWithOneLineAndRecordsNothing() throws Exception {
        // a copy, so that changing it harms nothing; appending keeps every mapped page valid
        Path model = java.nio.file.Files.copy(org.speclab.SharedFiles.require("models/tiny-random-llama2/llama-2-tiny-random.gguf"), dir.resolve("m.gguf"));
        Lab lab = new Lab(Locale.ENGLISH, dir.resolve("experiments.json"), null);
        var events = new ConcurrentLinkedQueue<RunSession.Event>();
        var s = new RunSession.Settings(model, null, 4, false, 0f, 40, 1f, 50_000, 1, false, 3, "Once upon a time", "cpu", false);
        Thread run = new Thread(new RunSession(s, lab, events, new AtomicBoolean(), () -> {}));
        run.start();
        long until = System.nanoTime() + 120_000_000_000L;
        while (events.stream().noneMatch(e -> e instanceof RunSession.Event.Started) && run.isAlive() && System.nanoTime() < until) Thread.sleep(20);
        assertTrue(run.isAlive(), "the run is under way: " + events.stream().filter(e -> e instanceof RunSession.Event.Done).toList());
        java.nio.file.Files.write(model, new byte[64], java.nio.file.StandardOpenOption.APPEND);
        run.join(120_000);
        assertTrue(!run.isAlive(), "the run ended");
        RunSession.Event.Done done = events.stream().filter(e -> e instanceof RunSession.Event.Done).map(e -> (RunSession.Event.Done) e)
                .findFirst().orElseThrow(() -> new AssertionError("no Done event"));
        assertTrue(done.status().startsWith("Stopped: m.gguf changed on disk"), done.status());
        assertEquals(-1, done.status().indexOf('\n'), done.status());
        assertEquals(null, done.experiment(), "nothing recorded");
    }
}
