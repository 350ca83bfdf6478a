package org.speclab.jobs;

/**
 * Long work the lab and the CLI both run (convert, quantize, later bench and sweeps): it reports
 * progress, stops at the next safe point when cancelled, and writes its output under a temporary
 * name that is renamed only on success, so a cancelled or failed job leaves nothing behind.
 */
public interface Job<T> {
    /** One line for lists and logs, e.g. "quantize stories260K.gguf → Q8_0". */
    String title();

    T run(JobContext context) throws Exception;
}
