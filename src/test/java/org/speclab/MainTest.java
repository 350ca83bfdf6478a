package org.speclab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A lab that cannot start says why in one line, naming the package a missing GTK comes from. */
class MainTest {
    @Test
    void missingGtkNamesThePackage() {
        Throwable e = new RuntimeException("Graphics Device initialization failed",
                new IllegalStateException("Unable to load glass GTK library.", new UnsatisfiedLinkError("libgtk-3.so.0: cannot open shared object file")));
        String line = Main.whyTheLabDidNotStart(e);
        assertTrue(line.startsWith("speclab: the lab needs the GTK 3 runtime") && line.contains("libgtk-3-0") && !line.contains("\n"), line);
    }

    @Test
    void otherFailuresGiveTheirFirstMessage() {
        String line = Main.whyTheLabDidNotStart(new UnsupportedOperationException("Unable to open DISPLAY"));
        assertTrue(line.contains("Unable to open DISPLAY") && line.contains("speclab --help") && !line.contains("\n"), line);
    }
}
