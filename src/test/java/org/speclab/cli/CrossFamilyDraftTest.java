package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;

/**
 * A draft of another family with the same vocabulary may serve a target (the reference pack's
 * models share stories260K's vocabulary): greedy speculative output is the target's own greedy text.
 */
class CrossFamilyDraftTest {
    @Test
    void aQwen2DraftServesALlamaTargetAndAGemma2Target() {
        for (String[] pair : new String[][] {{"llama-F32", "qwen2-F16"}, {"gemma2-F16", "phi3-F16"}}) {
            String target = SharedFiles.require("reference/arch/" + pair[0] + ".gguf").toString();
            String draft = SharedFiles.require("reference/arch/" + pair[1] + ".gguf").toString();
            CliRun alone = CliRun.of("generate", "-m", target, "-t", "0", "-n", "40", "-p", "Once upon a time");
            CliRun spec = CliRun.of("generate", "-m", target, "-d", draft, "-k", "3", "-t", "0", "-n", "40", "-p", "Once upon a time", "--no-baseline");
            assertEquals(0, alone.exitCode(), alone.err());
            assertEquals(0, spec.exitCode(), spec.err());
            assertEquals(alone.out(), spec.out(), pair[0] + " drafted by " + pair[1]);
            assertTrue(spec.err().contains("Mean Accepted"), spec.err());
        }
    }
}
