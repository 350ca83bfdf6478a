package org.speclab.library;

import java.nio.file.Path;

/**
 * One model found in a library folder, as the Library view lists it. {@code problem} is set (and
 * the other fields may be empty) when the file was found but cannot be read. {@code tokenizer} is
 * the vocabulary a file that carries none (a llama2.c checkpoint) is run with: one found beside it
 * or one the user chose ({@link ModelLibrary#tokenizerFor}); null when there is none, or no need.
 */
public record ModelEntry(Path path, String format, String name, String architecture, long parameters,
                         String weightType, long sizeBytes, int contextLength, int vocabSize, String problem, boolean chatTemplate,
                         Path tokenizer) {
    public boolean readable() { return problem == null; }

    /** A llama2.c checkpoint carries no vocabulary: without a tokenizer file it cannot run, nor be converted. */
    public boolean needsTokenizer() {
        return readable() && tokenizer == null && org.speclab.format.FileKind.LLAMA2C_CHECKPOINT.label.equals(format);
    }

    /** What the Run view can load as it is. */
    public boolean runnable() { return readable() && !needsTokenizer(); }

    public ModelEntry withTokenizer(Path t) {
        return new ModelEntry(path, format, name, architecture, parameters, weightType, sizeBytes, contextLength, vocabSize, problem, chatTemplate, t);
    }
}
