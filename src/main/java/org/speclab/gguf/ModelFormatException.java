package org.speclab.gguf;

import java.nio.file.Path;

/**
 * A model or tokenizer file that cannot be read. The message is one line a user can act on:
 * the file, the field that is wrong, and what was expected versus found.
 */
public class ModelFormatException extends RuntimeException {
    private final Path file;
    private final String field;

    public ModelFormatException(Path file, String field, String problem) {
        super(describe(file, field, problem));
        this.file = file;
        this.field = field;
    }

    public ModelFormatException(Path file, String field, String problem, Throwable cause) {
        super(describe(file, field, problem), cause);
        this.file = file;
        this.field = field;
    }

    private static String describe(Path file, String field, String problem) {
        StringBuilder sb = new StringBuilder();
        if (file != null) sb.append(file).append(": ");
        if (field != null && !field.isEmpty()) sb.append(field).append(": ");
        return sb.append(problem).toString();
    }

    public Path file() { return file; }

    public String field() { return field; }
}
