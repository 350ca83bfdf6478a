package org.speclab.lab;

import java.nio.file.Path;

/**
 * How experiment records name a model: by its file name without the extension, as the library lists
 * it. Converters often leave a generic general.name (e.g. "llama"), which would make two different
 * files look alike in the table.
 */
public final class Names {
    private Names() {}

    public static String of(Path model) {
        String n = model.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
