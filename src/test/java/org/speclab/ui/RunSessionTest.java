package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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
        var s = new RunSession.Settings(dir.resolve("none.gguf"), null, 0, 3, 2, 4, false, 0f, 40, 1f, 10, 1, false, "x", "tpu", false);
        new RunSession(s, lab, events, new AtomicBoolean(), () -> {}).run();
        RunSession.Event.Done done = events.stream().filter(e -> e instanceof RunSession.Event.Done).map(e -> (RunSession.Event.Done) e)
                .findFirst().orElseThrow(() -> new AssertionError("no Done event: " + events));
        assertTrue(done.status().startsWith("Error: ") && done.status().contains("cpu or cuda"), done.status());
        assertEquals(-1, done.status().indexOf('\n'), done.status());
    }
}
