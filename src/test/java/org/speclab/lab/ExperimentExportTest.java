package org.speclab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentExportTest {
    static Experiment sample(String draft, Integer k, double tps) {
        return new Experiment(draft, draft == null ? null : "Q8_0", k, "llama-2-70b", "Q4_0", "cpu (2 threads)", 1, "def quicksort(arr):",
                tps, 0.31, 2.51, k == null ? null : 2.87, 200, 5, 0.0, "0.1.0", k == null ? null : 0.8, k == null ? null : 0.1,
                k == null ? null : 2.1, k == null ? null : 1.9, null, 1, 42, 200, 1.0, 201, "length", "text, with \"quotes\"");
    }

    @Test
    void markdownKeepsTheSeedsColumnOrder() {
        String md = ExperimentExport.markdown(List.of(sample("llama-2-7b", 5, 123.456), sample(null, null, 98.5)));
        String header = md.lines().findFirst().orElseThrow();
        assertTrue(header.startsWith("| draft model | draft quantization | speculate_k | model | model quantization | device | device count | prompt | tokens/s |"), header);
        assertTrue(md.contains("| llama-2-7b | Q8_0 | 5 | llama-2-70b | Q4_0 | cpu (2 threads) | 1 | def quicksort(arr): | 123.46 |"), md);
        assertEquals(4, md.lines().count());
    }

    @Test
    void csvQuotesWhatNeedsIt() {
        String csv = ExperimentExport.csv(List.of(sample("d", 4, 10)));
        assertTrue(csv.startsWith("draft model,draft quantization,speculate_k,model"), csv);
        assertEquals(2, csv.lines().count());
        assertTrue(csv.contains("d,Q8_0,4,llama-2-70b,Q4_0,cpu (2 threads),1,def quicksort(arr):,10.00"), csv);
    }

    @Test
    void storeRoundTrips(@TempDir Path dir) throws Exception {
        ExperimentStore s = new ExperimentStore(dir.resolve("x/experiments.json"));
        assertEquals(0, s.load().value().size());
        s.save(List.of(sample("d", 4, 10), sample(null, null, 5)));
        List<Experiment> back = s.load().value();
        assertEquals(2, back.size());
        assertEquals("d", back.get(0).draftModel());
        assertEquals(10.0, back.get(0).tokensPerSec());
        try (var files = java.nio.file.Files.list(dir.resolve("x"))) {
            assertEquals(List.of("experiments.json"), files.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
        }
    }

    /** The lab's own stores: a truncated file is set aside with a warning, and the lab starts without it. */
    @Test
    void aCorruptStoreIsSetAsideNotFatal(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("experiments.json");
        ExperimentStore s = new ExperimentStore(file);
        s.save(List.of(sample("d", 4, 10)));
        String whole = java.nio.file.Files.readString(file);
        java.nio.file.Files.writeString(file, whole.substring(0, whole.length() / 2));
        var read = s.load();
        assertEquals(0, read.value().size());
        assertTrue(read.warning() != null && read.warning().contains("set aside as experiments.json.corrupt-"), read.warning());
        try (var files = java.nio.file.Files.list(dir)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("experiments.json.corrupt-")));
        }
        assertFalse(java.nio.file.Files.exists(file));
        // the settings the same way
        Path settings = dir.resolve("settings.json");
        java.nio.file.Files.writeString(settings, "{\"folders\": [\"/a\", ");
        var st = org.speclab.library.WorkspaceSettings.load(settings);
        assertEquals(org.speclab.library.WorkspaceSettings.NONE, st.value());
        assertTrue(st.warning().contains("settings.json.corrupt-"), st.warning());
    }
}
