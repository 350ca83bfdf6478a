package org.speclab.jobs;

/** Thrown inside a job when it has been cancelled; its partial output is removed. */
public class JobCancelledException extends RuntimeException {
    public JobCancelledException() {
        super("cancelled");
    }
}
