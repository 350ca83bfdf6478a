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
        return oneLine(sb.append(problem).toString());
    }

    /** Control characters (a quoted piece of a broken file may hold newlines) written as escapes (backslash n, t, or u and four hex digits): the message stays one line. */
    static String oneLine(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != 0x7f && c != '\u2028' && c != '\u2029') {
                if (out != null) out.append(c);
                continue;
            }
            if (out == null) out = new StringBuilder(s.length() + 8).append(s, 0, i);
            out.append(switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> String.format("\\u%04x", (int) c);
            });
        }
        return out == null ? s : out.toString();
    }

    public Path file() { return file; }

    public String field() { return field; }
}
