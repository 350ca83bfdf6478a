package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelFile;

/** No way in (CLI, lab, bandwidth probe) starts more workers than the machine can run: refused before the first thread. */
class WorkerPoolLimitTest {
    private static java.util.Set<Thread> workers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("speclab-cpu-") && t.isAlive())
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void aThreadCountPastTheLimitStartsNoThread() throws Exception {
        int max = CpuBackend.maxThreads();
        var before = workers();
        for (int n : new int[] {max + 1, 1000, 0}) {
            var e = assertThrows(IllegalArgumentException.class, () -> new WorkerPool(n));
            assertEquals("threads must be between 1 and " + max + " (4 per core; this machine has " + Runtime.getRuntime().availableProcessors()
                    + (Runtime.getRuntime().availableProcessors() == 1 ? " core" : " cores") + "), found " + n, e.getMessage());
        }
        try (ModelFile f = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null)) {
            var e = assertThrows(IllegalArgumentException.class, () -> new CpuBackend().load(f, 1000));
            assertTrue(e.getMessage().endsWith("found 1000"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> MemoryBandwidth.measure(1000));
        }
        var started = workers();
        started.removeAll(before);
        assertTrue(started.isEmpty(), "no worker started: " + started);
        try (WorkerPool p = new WorkerPool(max)) {
            assertEquals(max, p.size()); // the limit itself runs
        }
    }
}
