package org.speclab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals(0, s.load().size());
        s.save(List.of(sample("d", 4, 10), sample(null, null, 5)));
        List<Experiment> back = s.load();
        assertEquals(2, back.size());
        assertEquals("d", back.get(0).draftModel());
        assertEquals(10.0, back.get(0).tokensPerSec());
    }
}
