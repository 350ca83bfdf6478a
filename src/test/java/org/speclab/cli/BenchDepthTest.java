package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;

/** {@code bench -d N}: the tests run after N positions already in the cache, as llama-bench's depth, and say so. */
class BenchDepthTest {
    private static String model() { return SharedFiles.require("models/stories260K/stories260K.gguf").toString(); }

    @Test
    void everyTestRunsAfterTheDepthAndSaysSo() throws Exception {
        // 600 positions: several prefill chunks and a part one, past the context of 128 the file declares
        CliRun r = CliRun.of("bench", "-m", model(), "-p", "8", "-n", "8", "-r", "1", "-d", "600", "--verify", "3", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("| 1 | pp8 @ d600 | "), r.out());
        assertTrue(r.out().contains("| 1 | tg8 @ d600 | "), r.out());
        assertTrue(r.out().contains("Verify of 3 positions after 608 positions: "), r.out());
        assertTrue(r.out().contains("with 1 thread ("), r.out());
        assertEquals("speclab: warning: 611 positions exceed the model's declared context length 128; going on (as llama.cpp does)",
                r.err().lines().filter(l -> l.startsWith("speclab:")).findFirst().orElse(""), r.err());
    }

    @Test
    void withoutADepthTheTableIsLlamaBenchs() throws Exception {
        CliRun r = CliRun.of("bench", "-m", model(), "-p", "4", "-n", "4", "-r", "1", "--verify", "0", "--threads", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("| 2 | pp4 | ") && r.out().contains("| 2 | tg4 | "), r.out());
        assertTrue(r.out().contains("with 2 threads ("), r.out());
        assertTrue(r.err().lines().noneMatch(l -> l.startsWith("speclab:")), r.err());
    }

    /** An F16 model's Kernels line says which ways F16 prefill and nine-position passes took where the native kernels pack F16 (AVX-512), else nothing of it. */
    @Test
    void theKernelsLineSaysHowF16PrefillRan() throws Exception {
        CliRun r = CliRun.of("bench", "-m", SharedFiles.require("models/stories260K/stories260K-F16.gguf").toString(), "-p", "16", "-n", "2", "-r", "1", "--verify", "0", "--threads", "2");
        assertEquals(0, r.exitCode(), r.err());
        String line = r.out().lines().filter(l -> l.startsWith("Kernels: ")).findFirst().orElse("");
        boolean packsF16 = org.speclab.engine.cpu.CpuBackend.kernelStatus().startsWith("native AVX-512");
        assertEquals(packsF16, line.matches(".*; F16: prefill (one group|two groups) of 16 rows a pass, nine positions in (one pass|passes of five and four) \\(each way timed faster on this core\\)\\.$"), line);
        CliRun q = CliRun.of("bench", "-m", model(), "-p", "16", "-n", "2", "-r", "1", "--verify", "0", "--threads", "2");
        assertTrue(q.out().lines().filter(l -> l.startsWith("Kernels: ")).noneMatch(l -> l.contains("; F16:")), q.out());
        // the packed copies and the pages they lie in (none for an F32 model; on the native kernels for an F16 one at AVX-512)
        assertTrue(q.out().lines().noneMatch(l -> l.startsWith("Weights: ")), q.out());
        assertEquals(packsF16, r.out().lines().anyMatch(l -> l.matches("Weights: packed weights [0-9.]+ MiB.*\\.")), r.out());
    }

    @Test
    void aNegativeDepthIsRefused() throws Exception {
        CliRun r = CliRun.of("bench", "-m", model(), "-d", "-1");
        assertEquals(1, r.exitCode());
        assertEquals("speclab: error: -r must be ≥ 1 and -p, -n, -d, --verify ≥ 0", r.err().strip());
    }
}
