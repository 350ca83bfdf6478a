package org.speclab.jobs;

/** What a running job sees: where to report progress, and whether it has been asked to stop. */
public interface JobContext {
    /** Reports progress in [0, 1] with a short message; implementations throw {@link JobCancelledException} once cancelled. */
    void progress(double fraction, String message);

    boolean cancelled();

    /** Throws {@link JobCancelledException} when the job was cancelled: call it at every safe point. */
    default void checkCancelled() {
        if (cancelled()) throw new JobCancelledException();
    }

    /** Informational line for the job's log (which tensors fell back, what was skipped, …). */
    default void log(String line) {}

    /** A context that never cancels and ignores progress: for tests and library use. */
    static JobContext silent() {
        return new JobContext() {
            @Override
            public void progress(double fraction, String message) {}

            @Override
            public boolean cancelled() { return false; }
        };
    }
}
