package org.speclab.ui;

import java.nio.file.Path;
import java.util.List;
import org.speclab.jobs.QualityReport;

/**
 * The lab's job history (jobs.json) as the Jobs view reads it and shows it, for the reliability
 * tests (the history's record is the view's own): a sample file to start from, and a read that goes
 * as far as the view goes.
 */
public final class LabStores {
    private LabStores() {}

    /** A real history of two jobs, one with a quality report, as the view writes it. */
    public static void writeJobsSample(Path file) throws java.io.IOException {
        org.speclab.JsonStore.write(file, List.of(
                new JobsView.Finished("Quantize stories260K → Q8_0", "2026-12-02 14:00", "done", "12:00:01 quantizing\n12:00:02 done\n",
                        JobsView.Outcome.DONE, null, new QualityReport("top-1", 64, 0.984, 0.0012, 0.031),
                        org.speclab.jobs.JobTexts.title("title.quantize", "stories260K.gguf", "stories260K-q8_0.gguf", "Q8_0")),
                new JobsView.Finished("Convert stories260K.bin", "2026-12-02 14:05", "failed", "", JobsView.Outcome.FAILED, "disk full", null, null)));
    }

    /**
     * Reads {@code file} as the Jobs view does and renders every row's texts; a file it cannot read is
     * set aside (the warning the lab would log is not: thousands of broken inputs would flood the output).
     */
    public static int readJobs(Path file) {
        LabLog.LOG.setLevel(java.util.logging.Level.OFF);
        var rows = JobsView.readHistory(file, new Lab(java.util.Locale.ENGLISH, file.resolveSibling("experiments.json"), null));
        for (JobsView.Row r : rows) r.title();
        return rows.size();
    }
}
