package org.speclab.jobs;

/**
 * Long work the lab and the CLI both run (convert, quantize, later bench and sweeps): it reports
 * progress, stops at the next safe point when cancelled, and writes its output under a temporary
 * name that is renamed only on success, so a cancelled or failed job leaves nothing behind.
 */
public interface Job<T> {
    /** The title as a message and its arguments, so it can be said in the language chosen later. */
    JobTexts.Title titleText();

    /** One line for lists and logs, e.g. "quantize stories260K.gguf → Q8_0". */
    default String title() {
        return titleText().render();
    }

    T run(JobContext context) throws Exception;
}
