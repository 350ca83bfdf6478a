package org.speclab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;

/**
 * A full disk: each job runs in a child process whose output folder is a small tmpfs (a private mount
 * namespace, {@code unshare -m}). Too small from the start, the job refuses before writing; filled up
 * by another writer while the job writes, it fails mid-write. Either way: one line that names the
 * output and says the disk is full, and nothing left in the folder (no partial model, part file or
 * lock). Skipped where the machine cannot make a mount namespace.
 */
class FullDiskTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"synth", "convert", "quantize", "synth-filled-while-writing"})
    void aFullDiskIsOneLineAndLeavesNothing(String job) throws Exception {
        Assumptions.assumeTrue(new ProcessBuilder("unshare", "-m", "true").start().waitFor() == 0, "no mount namespaces here");
        Path full = Files.createDirectories(dir.resolve("full"));
        Path out = full.resolve("out.gguf");
        String src = SharedFiles.require("models/stories260K/stories260K.bin").toString();
        String tok = SharedFiles.require("models/stories260K/tok512.bin").toString();
        List<String> args = switch (job) {
            case "synth", "synth-filled-while-writing" -> List.of("synth", "-o", out.toString(), "--type", "f16", "--dim", "512", "--layers", "4", "--heads", "8",
                    "--kv-heads", "4", "--ffn", "1408", "--vocab-size", "4096");
            case "convert" -> List.of("convert", src, "--tokenizer", tok, "-o", out.toString(), "--type", "f32");
            default -> List.of("quantize", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "-o", out.toString(), "--type", "q8_0");
        };
        List<String> jvm = org.speclab.ChildJvm.command();
        jvm.add("org.speclab.Main");
        jvm.addAll(args);
        // 256 KiB: less than any of these outputs (the smallest, stories260K in Q8_0, is about 300 KB).
        // Filled while writing: 48 MiB, room for the 32 MB model, until a filler takes the rest as soon as
        // the job's first file appears. The tmpfs exists only inside the namespace: list what is left
        // there (but the filler), after the job.
        boolean filled = job.endsWith("while-writing");
        String filler = filled ? "( while [ -z \"$(ls -A \"$0\")\" ]; do :; done; dd if=/dev/zero of=\"$0\"/zz-filler bs=64k 2>/dev/null ) & " : "";
        String script = "mount -t tmpfs -o size=" + (filled ? "48m" : "256k") + " none \"$0\" || exit 99; " + filler
                + "\"$@\"; rc=$?; wait; echo '--left--'; ls -A \"$0\" | grep -v zz-filler; exit $rc";
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "sh", "-c", script, full.toString()));
        cmd.addAll(jvm);
        Path errFile = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
        String outText = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String err = Files.readString(errFile);
        assertEquals(1, p.exitValue(), err);
        List<String> lines = err.lines().filter(l -> l.startsWith("speclab: error:")).toList();
        assertEquals(1, lines.size(), err);
        String line = lines.getFirst().toLowerCase();
        assertTrue(line.contains("out.gguf") && (filled ? line.contains("no space left") : line.contains("not enough disk space")), lines.getFirst());
        assertTrue(outText.contains("--left--"), outText + err);
        assertEquals("", outText.substring(outText.indexOf("--left--") + "--left--".length()).strip(), "the full folder must be left empty");
    }
}
