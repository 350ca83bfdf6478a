package org.speclab.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;
import org.speclab.decode.DraftModel;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.Sampler;
import org.speclab.decode.SpeculativeDecoder;
import org.speclab.lab.LoadedModel;

/**
 * A long session neither leaks nor holds on: 100 speculative generations of 500 tokens in one process
 * leave the heap (after collection) within 5% of where it was after the first ten, and the same
 * threads and open files; 20 loads and closes of a model leave none of its file mapped. (Tokens/s
 * over the run is a benchmark, not asserted here: README records it.)
 */
class SoakTest {
    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long openFiles() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static long mappings(String fileName) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(fileName)).count();
    }

    @Test
    void hundredGenerationsLeakNothing() throws Exception {
        Path target = SharedFiles.require("models/stories260K/stories260K.gguf"), draft = SharedFiles.require("models/stories-draft-distilled/draft.gguf");
        long heap10 = 0, files10 = 0;
        int threads10 = 0;
        try (LoadedModel t = LoadedModel.open(target, null, 2); LoadedModel d = LoadedModel.open(draft, null, 1)) {
            int[] prompt = t.prompt("Once upon a time", false, null);
            for (int i = 1; i <= 100; i++) {
                var dm = new DraftModel(d.transformer(), "draft", prompt.length + 500);
                var r = new SpeculativeDecoder(t.transformer(), t.tokenizer(), dm, 4, false)
                        .generate(prompt, 499, new Sampler(0.8f, 200, 1f, i), GenerationListener.NONE);
                assertTrue(r.stats().newTokens() > 0);
                if (i == 10) {
                    heap10 = heapAfterGc();
                    files10 = openFiles();
                    threads10 = Thread.getAllStackTraces().size();
                }
            }
            long heap100 = heapAfterGc();
            assertTrue(heap100 <= heap10 * 1.05 + (1 << 20), "heap after 10 generations " + heap10 + " B, after 100 " + heap100 + " B");
            assertEquals(files10, openFiles(), "open files");
            assertTrue(Thread.getAllStackTraces().size() <= threads10, "threads after 10: " + threads10 + ", after 100: " + Thread.getAllStackTraces().size());
        }
    }

    @Test
    void loadsAndClosesReleaseTheirMappings() throws Exception {
        Path model = SharedFiles.require("models/stories260K/stories260K.gguf");
        long before = openFiles();
        for (int i = 0; i < 20; i++) {
            try (LoadedModel m = LoadedModel.open(model, null, 1)) {
                assertTrue(mappings("stories260K.gguf") > 0, "the model is mapped while open");
                m.transformer().forward(m.transformer().newCache(4), new int[] {1, 403}, 0, 1);
            }
            assertEquals(0, mappings("stories260K.gguf"), "a closed model's file stays mapped (load " + (i + 1) + ")");
        }
        assertEquals(before, openFiles(), "open files after 20 loads and closes");
    }
}
