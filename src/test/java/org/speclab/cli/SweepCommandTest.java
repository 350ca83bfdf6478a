package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;

/** speclab sweep: the experiment table from the command line, gpt-fast's k values by one flag. */
class SweepCommandTest {
    @Test
    void seedTablePresetPrintsAndWritesTheTable(@TempDir Path dir) throws Exception {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        Path csv = dir.resolve("t.csv"), md = dir.resolve("t.md");
        CliRun r = CliRun.of("sweep", "-m", m, "--preset", "seed-table", "-n", "16", "--threads", "1", "-o", csv.toString(), "-o", md.toString());
        assertEquals(0, r.exitCode(), r.err());
        // the baseline, then n-gram 3 and early exit (3 of 5 layers) at k 1, 4, 5, 6, 8
        var lines = r.out().strip().lines().toList();
        assertEquals(2 + 1 + 2 * 5, lines.size(), r.out());
        assertTrue(lines.getFirst().startsWith("| draft model | draft quantization | speculate_k | model |"), lines.getFirst());
        for (String k : new String[] {"| 1 |", "| 4 |", "| 5 |", "| 6 |", "| 8 |"}) {
            assertEquals(2, lines.stream().filter(l -> l.contains(k + " stories260K |")).count(), k + "\n" + r.out());
        }
        assertTrue(r.out().contains("| early exit 3 layers |") && r.out().contains("| n-gram 3 |"), r.out());
        assertEquals(r.out(), Files.readString(md));
        assertEquals(1 + 1 + 2 * 5, Files.readAllLines(csv).size());
    }

    @Test
    void badFlagsAreOneLine() {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        CliRun preset = CliRun.of("sweep", "-m", m, "--preset", "gpt-fast");
        assertEquals(1, preset.exitCode());
        assertTrue(preset.err().contains("unknown preset 'gpt-fast' (known: seed-table)"), preset.err());
        CliRun out = CliRun.of("sweep", "-m", m, "--draft-ngram", "2", "-o", "table.xlsx");
        assertEquals(1, out.exitCode());
        assertTrue(out.err().contains("must end in .csv, .md or .json"), out.err());
        CliRun none = CliRun.of("sweep", "-m", m);
        assertEquals(1, none.exitCode());
        assertTrue(none.err().contains("give a drafter"), none.err());
    }
}
