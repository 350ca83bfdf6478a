package org.speclab.library;

import java.nio.file.Path;

/**
 * One model found in a library folder, as the Library view lists it. {@code problem} is set (and
 * the other fields may be empty) when the file was found but cannot be read.
 */
public record ModelEntry(Path path, String format, String name, String architecture, long parameters,
                         String weightType, long sizeBytes, int contextLength, int vocabSize, String problem, boolean chatTemplate) {
    public boolean readable() { return problem == null; }
}
