package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;
import org.speclab.engine.cuda.CudaProbe;

/** {@code --device}: where CUDA is missing, generate says why in one line and runs on the CPU; bench refuses. */
class DeviceOptionTest {
    private static String noCuda() {
        CudaProbe.Result r = CudaProbe.probe();
        Assumptions.assumeFalse(r.available(), "a CUDA device is present: CudaParityTest covers --device cuda here");
        return r.reason();
    }

    @Test
    void generateFallsBackToTheCpuWithOneLineSayingWhy() throws Exception {
        String reason = noCuda();
        CliRun r = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(),
                "-t", "0", "-n", "256", "--device", "cuda:0");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(SharedFiles.read("reference/stories260K-greedy.txt"), r.out());
        assertEquals("speclab: warning: CUDA not available: " + reason + "; running on the cpu", r.err().lines().findFirst().orElse(""));
        assertTrue(r.err().lines().noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")), r.err());
    }

    @Test
    void benchOnAMissingDeviceIsOneClearError() throws Exception {
        String reason = noCuda();
        CliRun r = CliRun.of("bench", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "-p", "4", "-n", "4", "-r", "1",
                "--device", "cuda");
        assertEquals(1, r.exitCode());
        assertEquals("speclab: error: --device cuda: CUDA not available: " + reason, r.err().strip());
        assertEquals("", r.out());
    }

    @Test
    void anUnknownDeviceIsRefused() throws Exception {
        CliRun r = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "-n", "1", "--device", "gpu");
        assertEquals(1, r.exitCode());
        assertEquals("speclab: error: --device must be cpu or cuda[:N], found 'gpu'", r.err().strip());
    }

    @Test
    void benchOnTheCpuStillNamesItsThreads() throws Exception {
        CliRun r = CliRun.of("bench", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "-p", "4", "-n", "0", "-r", "1",
                "--threads", "1", "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("| model | size | threads | test | t/s | GB/s |"), r.out());
        assertTrue(r.out().contains("| 1 | pp4 | "), r.out());
    }
}
