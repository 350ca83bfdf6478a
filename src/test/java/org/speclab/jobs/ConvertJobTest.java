package org.speclab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;
import org.speclab.cli.CliRun;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufFile;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

class ConvertJobTest {
    @TempDir
    Path dir;

    private Path bin() { return SharedFiles.require("models/stories260K/stories260K.bin"); }

    @Test
    void llama2cCheckpointWithSentencePieceModelGivesTheReferenceText() throws Exception {
        Path out = dir.resolve("stories.gguf");
        CliRun c = CliRun.of("convert", bin().toString(), "--tokenizer", SharedFiles.require("models/stories260K/tok512.model").toString(),
                "-o", out.toString(), "--type", "f32");
        assertEquals(0, c.exitCode(), c.err());
        CliRun g = CliRun.of("generate", "-m", out.toString(), "-t", "0", "-n", "256");
        assertEquals(0, g.exitCode(), g.err());
        assertEquals(SharedFiles.read("reference/stories260K-greedy.txt"), g.out());
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals("llama", f.metadata().get("general.architecture").value());
            assertEquals(0L, f.metadata().get("general.file_type").asLong());
            assertEquals(512L, f.metadata().get("llama.vocab_size").asLong());
            assertEquals(GgmlType.F32, f.tensors().getFirst().type());
        }
    }

    /** F16 conversion writes the very bytes llama.cpp's converter wrote for the same weights. */
    @Test
    void f16BytesMatchLlamaCppsConversion() throws Exception {
        Path out = dir.resolve("f16.gguf");
        new ConvertJob(bin(), SharedFiles.require("models/stories260K/tok512.bin"), out, GgmlType.F16, false).run(JobContext.silent());
        try (ModelFile ours = ModelFiles.open(out, null); ModelFile theirs = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K-F16.gguf"), null)) {
            int compared = 0;
            for (Tensor t : ours.tensors().values()) {
                Tensor u = theirs.tensor(t.name());
                assertEquals(u.type(), t.type(), t.name());
                assertTrue(Arrays.equals(u.shape(), t.shape()), t.name());
                assertTrue(Arrays.equals(u.data().toArray(ValueLayout.JAVA_BYTE), t.data().toArray(ValueLayout.JAVA_BYTE)), t.name());
                compared++;
            }
            assertEquals(ours.tensors().size(), compared);
            assertTrue(compared >= 47);
        }
        CliRun g = CliRun.of("generate", "-m", out.toString(), "-t", "0", "-n", "256");
        assertEquals(SharedFiles.read("reference/stories260K-greedy.txt"), g.out());
    }

    @Test
    void cancelledConversionLeavesNothing() throws Exception {
        Path out = dir.resolve("cancel.gguf");
        JobContext cancelHalfway = new JobContext() {
            int calls;

            @Override
            public void progress(double fraction, String message) {
                if (++calls > 5) throw new JobCancelledException();
            }

            @Override
            public boolean cancelled() { return calls > 5; }
        };
        assertThrows(JobCancelledException.class,
                () -> new ConvertJob(bin(), SharedFiles.require("models/stories260K/tok512.bin"), out, GgmlType.F16, false).run(cancelHalfway));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count(), "no partial or temporary file is left");
        }
    }

    @Test
    void refusesToOverwriteItsInputOrAnExistingFile() throws Exception {
        Path existing = dir.resolve("exists.gguf");
        Files.writeString(existing, "keep me");
        CliRun r = CliRun.of("convert", bin().toString(), "--tokenizer", SharedFiles.require("models/stories260K/tok512.bin").toString(), "-o", existing.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("already exists (pass --force"), r.err());
        assertEquals("keep me", Files.readString(existing));

        Path copy = dir.resolve("in.gguf");
        Files.copy(SharedFiles.require("models/stories260K/stories260K.gguf"), copy);
        r = CliRun.of("quantize", copy.toString(), "-o", copy.toString(), "--type", "q8_0", "--force");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("is the input"), r.err());
    }

    @Test
    void checkpointWithoutVocabularyIsRefused() {
        CliRun r = CliRun.of("convert", bin().toString(), "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--tokenizer"), r.err());
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }
}
