package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.jobs.JobTexts;

/** A finished job read back from the history is titled in the language chosen now, not the one it ran in. */
class JobHistoryLanguageTest {
    @TempDir
    Path dir;

    @AfterEach
    void english() {
        JobTexts.use(Locale.ROOT);
    }

    @Test
    void historyTitlesFollowTheLanguage() throws Exception {
        Path file = dir.resolve("jobs.json");
        LabStores.writeJobsSample(file); // written in English: "Quantize stories260K → Q8_0", and a job kept before titles were
        JobTexts.use(Locale.SIMPLIFIED_CHINESE);
        List<JobsView.Row> rows = JobsView.readHistory(file, new Lab(Locale.SIMPLIFIED_CHINESE, dir.resolve("experiments.json"), null));
        assertEquals("量化 stories260K.gguf → stories260K-q8_0.gguf（Q8_0）", rows.get(0).title());
        // a job recorded without its title's words keeps the title it was written with
        assertEquals("Convert stories260K.bin", rows.get(1).title());
        JobTexts.use(Locale.ROOT);
        assertEquals("quantize stories260K.gguf → stories260K-q8_0.gguf (Q8_0)", rows.get(0).title());
    }
}
