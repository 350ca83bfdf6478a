package org.speclab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;
import org.speclab.cli.CliRun;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;

/**
 * Function-preserving widening on a real trained model: stories260K made 4× and (3, 5)× wider
 * prints the original's greedy text token for token, with the shapes and metadata of the wide model.
 */
class WidenJobTest {
    @TempDir
    Path dir;

    private void widenReproducesTheReference(String source, String tokenizer, int r, int f, String type) throws Exception {
        Path model = SharedFiles.require(source);
        String want = SharedFiles.read("reference/stories260K-greedy.txt");
        Path out = dir.resolve("wide-" + r + "-" + f + "." + type + ".gguf");
        CliRun w = tokenizer == null
                ? CliRun.of("synth", "--widen", model.toString(), "--factor", "" + r, "--ffn-factor", "" + f, "--type", type, "-o", out.toString())
                : CliRun.of("synth", "--widen", model.toString(), "--tokenizer", SharedFiles.require(tokenizer).toString(),
                        "--factor", "" + r, "--ffn-factor", "" + f, "--type", type, "-o", out.toString());
        assertEquals(0, w.exitCode(), w.err());
        try (ModelFile wide = ModelFiles.open(out, null); ModelFile orig = ModelFiles.open(model, tokenizer == null ? null : SharedFiles.require(tokenizer))) {
            ModelConfig a = ModelConfig.from(orig), b = ModelConfig.from(wide);
            assertEquals(a.dim() * r, b.dim());
            assertEquals(a.hiddenDim() * f, b.hiddenDim());
            assertEquals(a.heads() * r, b.heads());
            assertEquals(a.kvHeads() * r, b.kvHeads());
            assertEquals(a.headDim(), b.headDim());
            assertEquals(a.layers(), b.layers());
            assertEquals(a.vocabSize(), b.vocabSize());
            assertNotNull(wide.optionalTensor("output.weight"), "the classifier is written untied");
            assertEquals(a.dim() * r, wide.tensor("blk.0.attn_norm.weight").shape()[0]);
        }
        CliRun g = CliRun.of("generate", "-m", out.toString(), "-t", "0", "-n", "256");
        assertEquals(0, g.exitCode(), g.err());
        assertEquals(want, g.out(), "widened ×" + r + "/" + f + " (" + type + ") must print the original's greedy text");
    }

    @Test
    void fourTimesWiderPrintsTheSameText() throws Exception {
        widenReproducesTheReference("models/stories260K/stories260K.gguf", null, 4, 4, "f32");
    }

    @Test
    void oddFactorsFromALlama2cCheckpointPrintTheSameText() throws Exception {
        widenReproducesTheReference("models/stories260K/stories260K.bin", "models/stories260K/tok512.bin", 3, 5, "f32");
    }

    @Test
    void refusesBadFactorsAndKeepsNothing() throws Exception {
        Path out = dir.resolve("bad.gguf");
        CliRun w = CliRun.of("synth", "--widen", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "--factor", "0", "-o", out.toString());
        assertEquals(1, w.exitCode(), w.err());
        assertTrue(w.err().contains("--factor"), w.err());
        assertTrue(!Files.exists(out));
    }

    @Test
    void aQuantizedWideModelFallsBackWhereRowsDoNotFitItsBlocks() throws Exception {
        Path out = dir.resolve("wide-q8.gguf");
        CliRun w = CliRun.of("synth", "--widen", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "--factor", "2", "--type", "q8_0", "-o", out.toString());
        assertEquals(0, w.exitCode(), w.err());
        try (ModelFile wide = ModelFiles.open(out, null)) {
            assertEquals(GgmlType.Q8_0, wide.tensor("blk.0.attn_q.weight").type()); // 128 columns
            assertEquals(GgmlType.F16, wide.tensor("blk.0.ffn_down.weight").type()); // 344 columns: no multiple of 32
        }
        CliRun g = CliRun.of("generate", "-m", out.toString(), "-t", "0", "-n", "20");
        assertEquals(0, g.exitCode(), g.err());
    }
}
