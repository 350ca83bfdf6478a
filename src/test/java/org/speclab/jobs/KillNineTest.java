package org.speclab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelFile;

/**
 * Jobs killed with SIGKILL (no shutdown hook runs) at random points of convert, quantize and synth,
 * each in its own process: no output file is ever left half-written (an output that exists is a
 * complete model), and the next job writing the same output removes what the killed ones left
 * (their temporary parts and locks). {@code -Dspeclab.kills=N} kills more (the suite: 51).
 */
class KillNineTest {
    @TempDir
    Path dir;

    /** The CLI in a child JVM with this JVM's class path and module flags. */
    private static List<String> speclab(String... args) {
        List<String> cmd = org.speclab.ChildJvm.command();
        cmd.add("org.speclab.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static int run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a job took over two minutes: " + cmd);
        return p.exitValue();
    }

    private static List<String> leftovers(Path dir, String output) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + output)).sorted().toList();
        }
    }

    @Test
    void killedJobsLeaveNoHalfWrittenOutput() throws Exception {
        int kills = Integer.getInteger("speclab.kills", 51);
        // a 27M-parameter model in F16 (about 55 MB): big enough that a kill lands mid-write
        Path source = dir.resolve("source-f16.gguf");
        String[] shape = {"--dim", "512", "--layers", "8", "--heads", "8", "--kv-heads", "4", "--ffn", "1408", "--vocab-size", "4096"};
        List<String> synthSource = new ArrayList<>(List.of("synth", "-o", source.toString(), "--type", "f16", "--seed", "3"));
        synthSource.addAll(List.of(shape));
        assertEquals(0, run(speclab(synthSource.toArray(String[]::new))));
        String[][] jobs = {
                {"quantize", source.toString(), "-o", dir.resolve("out-quantize.gguf").toString(), "--type", "q4_k"},
                {"convert", source.toString(), "-o", dir.resolve("out-convert.gguf").toString(), "--type", "f32"},
                {"synth", "-o", dir.resolve("out-synth.gguf").toString(), "--type", "q8_0", "--seed", "5", "--dim", "512", "--layers", "8",
                        "--heads", "8", "--kv-heads", "4", "--ffn", "1408", "--vocab-size", "4096"}};
        // each job timed whole once (JVM start included), so that the kills fall within it on a fast machine as on a
        // slow one: fixed times (0.3-2.5 s) left 35 of 51 kills after the jobs had finished at a fast moment (a CI run)
        long[] whole = new long[jobs.length];
        for (int j = 0; j < jobs.length; j++) {
            long t0 = System.nanoTime();
            assertEquals(0, run(speclab(jobs[j])), String.join(" ", jobs[j]));
            whole[j] = (System.nanoTime() - t0) / 1_000_000;
        }
        Random rnd = new Random(11);
        int killedMidWrite = 0;
        for (int i = 0; i < kills; i++) {
            String[] job = jobs[i % jobs.length];
            Path output = Path.of(job[job[0].equals("synth") ? 2 : 3]);
            Files.deleteIfExists(output);
            Process p = new ProcessBuilder(speclab(job)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long waitMs = Math.max(50, (long) (whole[i % jobs.length] * (0.05 + 0.75 * rnd.nextDouble())));
            if (!p.waitFor(waitMs, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
                if (!Files.exists(output)) killedMidWrite++;
            }
            if (Files.exists(output)) {
                try (ModelFile f = ModelFiles.open(output, null)) {
                    assertTrue(f.tensors().size() > 10, "a complete model: " + output);
                }
            }
        }
        assertTrue(killedMidWrite > kills / 2, "most kills should land mid-job: " + killedMidWrite + " of " + kills);
        // the next writer of each output cleans up after the killed ones
        for (String[] job : jobs) {
            Path output = Path.of(job[job[0].equals("synth") ? 2 : 3]);
            Files.deleteIfExists(output);
            assertEquals(0, run(speclab(job)), String.join(" ", job));
            String name = output.getFileName().toString();
            assertEquals(List.of(), leftovers(dir, name), "temporary files or locks left beside " + name);
        }
    }
}
