package org.speclab.engine;

/** The engine cannot run a model or a request (unsupported weight type, no such device, …). */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
