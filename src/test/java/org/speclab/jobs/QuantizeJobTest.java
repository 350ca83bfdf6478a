package org.speclab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.speclab.SharedFiles;
import org.speclab.cli.CliRun;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufFile;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;
import org.speclab.gguf.TensorInfo;

class QuantizeJobTest {
    @TempDir
    Path dir;

    private Path source() { return SharedFiles.require("models/stories260K/stories260K.gguf"); }

    @ParameterizedTest
    @EnumSource(QuantType.class)
    void everyTypeQuantizesRunsAndReportsQuality(QuantType type) throws Exception {
        Path out = dir.resolve("q-" + type + ".gguf");
        QuantizeJob.Result r = new QuantizeJob(source(), out, type, false, true).run(JobContext.silent());
        assertTrue(Files.size(out) < Files.size(source()), "smaller than the F32 source");
        try (GgufFile g = GgufFile.open(out)) {
            for (TensorInfo t : g.tensors()) {
                if (t.shape().length == 1) assertEquals(GgmlType.F32, t.type(), t.name());
                else assertTrue(t.type() != GgmlType.F32, t.name() + " is quantized or F16");
            }
            assertEquals(2L, g.metadata().get("general.quantization_version").asLong());
        }
        // stories260K's feed-forward is 172 wide: those rows cannot hold 32- or 256-element blocks
        assertTrue(r.fallbacks().stream().anyMatch(p -> p.name().endsWith("ffn_down.weight") && p.type() == GgmlType.F16), r.fallbacks().toString());
        if (type.base == GgmlType.Q4_K) {
            // 64-wide rows cannot hold Q4_K's 256-element super-blocks: llama.cpp writes Q5_0 instead
            assertTrue(r.fallbacks().stream().anyMatch(p -> p.name().equals("blk.0.attn_q.weight") && p.type() == GgmlType.Q5_0), r.fallbacks().toString());
        }
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals((long) type.fileType, g.metadata().get("general.file_type").asLong(), "llama.cpp's file type number");
        }
        QualityReport q = r.quality();
        assertTrue(Files.exists(QualityReport.pathFor(out)));
        assertTrue(q.positions() > 20);
        assertTrue(q.top1Agreement() > (type == QuantType.Q8_0 || type == QuantType.Q6_K ? 0.9 : 0.6), q.summary());
        assertTrue(q.meanKl() >= 0 && q.meanKl() < (type == QuantType.Q8_0 ? 0.01 : 0.5), q.summary());
        CliRun g = CliRun.of("generate", "-m", out.toString(), "-t", "0", "-n", "40", "-p", "Once upon a time");
        assertEquals(0, g.exitCode(), g.err());
        assertTrue(g.out().startsWith("Once upon a time"), g.out());
    }

    @Test
    void q8IsCloseEnoughToKeepTheReferenceStart() throws Exception {
        Path out = dir.resolve("q8.gguf");
        CliRun r = CliRun.of("quantize", source().toString(), "-o", out.toString(), "--type", "int8");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("fallback: blk.0.ffn_down.weight → F16"), r.err());
        assertTrue(r.err().contains("Quality ("), r.err());
        String reference = SharedFiles.read("reference/stories260K-greedy.txt");
        String got = CliRun.of("generate", "-m", out.toString(), "-t", "0", "-n", "30").out();
        assertEquals(reference.substring(0, 60), got.substring(0, 60));
    }

    @Test
    void classifierGetsMoreBitsAsInLlamaCpp() throws Exception {
        Path out = dir.resolve("q40.gguf");
        QuantizeJob.Result r = new QuantizeJob(source(), out, QuantType.Q4_0, false, false).run(JobContext.silent());
        // 64-wide rows cannot hold Q6_K's 256-element blocks: llama.cpp then uses Q8_0 for the classifier
        assertEquals(GgmlType.Q8_0, r.plan().stream().filter(p -> p.name().equals("output.weight")).findFirst().orElseThrow().type());
        assertEquals(GgmlType.Q4_0, r.plan().stream().filter(p -> p.name().equals("blk.0.attn_q.weight")).findFirst().orElseThrow().type());
        assertEquals(null, r.quality());
    }

    @Test
    void oneWriterPerOutputAndStaleLeftoversCleared() throws Exception {
        Path out = dir.resolve("locked.gguf");
        Path lock = dir.resolve(".locked.gguf.lock");
        // a job of this very process is writing it: a second one is refused, and leaves its file alone
        Files.writeString(lock, Long.toString(ProcessHandle.current().pid()));
        var e = assertThrows(JobFailedException.class, () -> new QuantizeJob(source(), out, QuantType.Q8_0, false, false).run(JobContext.silent()));
        assertTrue(e.getMessage().contains("another job is writing this file"), e.getMessage());
        assertTrue(Files.exists(lock) && !Files.exists(out));
        // the writer was killed (its process is gone): its lock and temporary file are stale and removed
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(lock, Long.toString(gone.pid()));
        Path part = Files.writeString(dir.resolve(".locked.gguf.123456.part"), "half a model");
        new QuantizeJob(source(), out, QuantType.Q8_0, false, false).run(JobContext.silent());
        assertTrue(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("locked.gguf"), files.map(p -> p.getFileName().toString()).toList(), "no lock and no temporary file left");
        }
        assertFalse(Files.exists(part));
    }

    @Test
    void unknownTypeNamesTheChoices() {
        CliRun r = CliRun.of("quantize", source().toString(), "-o", dir.resolve("x.gguf").toString(), "--type", "q3_k_l");
        assertEquals(2, r.exitCode()); // a bad option value: refused before anything runs
        assertTrue(r.err().lines().findFirst().orElseThrow().contains("unknown quantization type 'q3_k_l' (known: q8_0"), r.err());
        // help lists the same choices, from the same table
        CliRun help = CliRun.of("quantize", "--help");
        for (QuantType t : QuantType.values()) assertTrue(help.out().contains(t.name().toLowerCase(java.util.Locale.ROOT)), t + " in " + help.out());
    }

    @Test
    void notEnoughDiskSpaceIsRefusedBeforeWriting() {
        var e = assertThrows(JobFailedException.class, () -> OutputFiles.checkFreeSpace(dir.resolve("big.gguf"), Long.MAX_VALUE / 4));
        assertTrue(e.getMessage().contains("not enough disk space"), e.getMessage());
    }

    /** A write that fails half-way (a full disk) removes its temporary file and reports the file. */
    @Test
    void failedWriteLeavesNothing() {
        Path out = dir.resolve("full.gguf");
        List<GgufWriter.Entry> tensors = List.of(
                new GgufWriter.Entry("a", new long[] {4}, GgmlType.F32, GgufWriter.Data.of(new byte[16])),
                new GgufWriter.Entry("b", new long[] {4}, GgmlType.F32, o -> {
                    o.write(new byte[8]);
                    throw new IOException("No space left on device");
                }));
        var e = assertThrows(IOException.class, () -> GgufWriter.write(out, Map.of("general.architecture", GgufValue.of("llama")), tensors));
        assertTrue(e.getMessage().contains("No space left on device"));
        assertFalse(Files.exists(out));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count(), "temporary file removed");
        } catch (IOException x) {
            throw new AssertionError(x);
        }
    }

    @Test
    void seedNamesMapOntoGgufTypes() {
        assertEquals(QuantType.Q8_0, QuantType.parse("int8"));
        assertEquals(QuantType.Q4_1, QuantType.parse("int4.g32"));
        // every choice is in the CLI's help
        String help = CliRun.of("quantize", "--help").out();
        for (QuantType t : QuantType.values()) assertTrue(help.contains(t.name().toLowerCase(java.util.Locale.ROOT)), t + " missing from: " + help);
        assertEquals(QuantType.Q4_K_M, QuantType.parse("Q4_K_M"));
    }
}
