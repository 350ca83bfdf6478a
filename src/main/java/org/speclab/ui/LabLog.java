package org.speclab.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.FileHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The lab's log, ~/.speclab/speclab.log (rotated, 5 × 1 MB): every error the views show as a
 * readable line is also written here, with its stack trace, for the bug report.
 */
final class LabLog {
    static final Logger LOG = Logger.getLogger("org.speclab.ui");
    private static boolean configured;
    /** The current log file (for tests and the About box), or null when none could be opened. */
    static volatile Path file;

    private LabLog() {}

    static synchronized void configure(Path dir) {
        if (configured) return;
        configured = true;
        try {
            Files.createDirectories(dir);
            FileHandler h = new FileHandler(dir.resolve("speclab%g.log").toString(), 1 << 20, 5, true);
            h.setFormatter(new SimpleFormatter());
            LOG.addHandler(h);
            file = dir.resolve("speclab0.log");
        } catch (Exception e) {
            // no log file: errors still show in the window
        }
    }

    static void error(String what, Throwable t) {
        LOG.log(Level.WARNING, what, t);
    }
}
