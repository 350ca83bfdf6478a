package org.speclab.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
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

class SynthJobTest {
    @TempDir
    Path dir;

    @Test
    void writesTheShapeAskedForWithARealVocabulary() throws Exception {
        Path out = dir.resolve("s.gguf");
        CliRun r = CliRun.of("synth", "--dim", "256", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "512",
                "--vocab-size", "32000", "--vocab", SharedFiles.require("tokenizers/llama2/tokenizer.model").toString(), "-o", out.toString(), "--type", "q4_0");
        assertEquals(0, r.exitCode(), r.err());
        try (ModelFile f = ModelFiles.open(out, null)) {
            ModelConfig c = ModelConfig.from(f);
            assertEquals(256, c.dim());
            assertEquals(2, c.layers());
            assertEquals(2, c.kvHeads());
            assertEquals(32000, c.vocabSize());
            assertEquals(GgmlType.Q4_0, f.dominantType());
        }
        CliRun tok = CliRun.of("tokenize", "-m", out.toString(), "Once upon a time, there was a little girl named Lily.");
        assertEquals("[1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889]", tok.out().strip());
        CliRun bench = CliRun.of("bench", "-m", out.toString(), "-p", "8", "-n", "8", "-r", "2", "--threads", "1");
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().contains("| pp8 |") && bench.out().contains("| tg8 |"), bench.out());
        assertTrue(bench.out().startsWith("| model | size | threads | test | t/s |"), bench.out());
        // which kernels ran: a Q4_0 model on the native integer kernels wherever they load
        assertTrue(bench.out().contains("Kernels: " + (org.speclab.engine.cpu.CpuBackend.kernelStatus().startsWith("native") ? "native" : "Java")), bench.out());
        // the verify line's three figures agree with each other (its ratio is the pass over the step, as printed);
        // how large the ratio is depends on the machine and its load, so no bound on it is asserted here
        var verify = java.util.regex.Pattern.compile("Verify of 5 positions: ([0-9.]+) ms, ([0-9.]+)× one decode step \\(([0-9.]+) ms\\)").matcher(bench.out());
        assertTrue(verify.find(), bench.out());
        double passMs = Double.parseDouble(verify.group(1)), ratio = Double.parseDouble(verify.group(2)), stepMs = Double.parseDouble(verify.group(3));
        assertTrue(passMs > 0 && stepMs > 0 && ratio > 0, bench.out());
        // each figure is rounded to 0.005 when printed
        double lo = (passMs - 0.005) / (stepMs + 0.005), hi = (passMs + 0.005) / Math.max(1e-9, stepMs - 0.005);
        assertTrue(ratio >= lo - 0.005 && ratio <= hi + 0.005, "ratio " + ratio + " outside " + lo + ".." + hi + "\n" + bench.out());
    }

    @Test
    void sameSeedSameTensorsAndAShallowerCopyIsAnEarlyExitDraft() throws Exception {
        SynthJob.Shape deep = new SynthJob.Shape("t", 64, 4, 4, 2, 128, 300, 128), shallow = new SynthJob.Shape("d", 64, 2, 4, 2, 128, 300, 128);
        Path a = new SynthJob(deep, GgmlType.F16, null, dir.resolve("a.gguf"), 5, false).run(JobContext.silent());
        Path b = new SynthJob(deep, GgmlType.F16, null, dir.resolve("b.gguf"), 5, false).run(JobContext.silent());
        Path c = new SynthJob(shallow, GgmlType.F16, null, dir.resolve("c.gguf"), 5, false).run(JobContext.silent());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        try (ModelFile fa = ModelFiles.open(a, null); ModelFile fc = ModelFiles.open(c, null)) {
            for (String n : new String[] {"token_embd.weight", "blk.1.ffn_down.weight", "output.weight"}) {
                assertArrayEquals(fa.tensor(n).data().toArray(ValueLayout.JAVA_BYTE), fc.tensor(n).data().toArray(ValueLayout.JAVA_BYTE), n);
            }
        }
        // the byte-fallback vocabulary spells any text
        CliRun gen = CliRun.of("generate", "-m", a.toString(), "-p", "你好 world", "-n", "4", "-t", "0");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(gen.out().startsWith("你好 world"), gen.out());
    }

    @Test
    void unknownPresetNamesTheKnownOnes() {
        CliRun r = CliRun.of("synth", "--preset", "gpt5", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("unknown preset 'gpt5' (known: 200m, llama2-7b"), r.err());
    }
}
