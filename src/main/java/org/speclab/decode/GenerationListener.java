package org.speclab.decode;

/** Events of a generation, for the CLI to print and the lab to draw. The engine knows nothing of either. */
public interface GenerationListener {
    /** Listens to nothing (warm-up and baseline runs). */
    GenerationListener NONE = new GenerationListener() {};

    /** One token, with the text it completes (may be empty while a UTF-8 character is split). */
    default void token(int id, String text, TokenKind kind) {}

    /** One speculation step: how many tokens were drafted and how many of them accepted. */
    default void step(int drafted, int accepted) {}

    /** Called once at the end. */
    default void finished(GenerationStats stats) {}

    /** Polled between steps; returning true stops the generation early. */
    default boolean cancelled() { return false; }
}
