package org.speclab.jobs;

/** A job could not complete; the message says what to do about it (no space, bad input, …). */
public class JobFailedException extends RuntimeException {
    public JobFailedException(String message) {
        super(message);
    }

    public JobFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
