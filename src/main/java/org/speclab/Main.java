package org.speclab;

import org.speclab.cli.Cli;

/** No arguments: the lab window. Anything else: the command line. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // a desktop opening a .gguf (file association) passes just its path: show it in the lab
        if (args.length == 0 || (args.length == 1 && args[0].toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")
                && java.nio.file.Files.isRegularFile(java.nio.file.Path.of(args[0])))) {
            // SPECLAB_HEADLESS=1 runs the lab on JavaFX's headless platform (smoke tests of installed builds)
            if ("1".equals(System.getenv("SPECLAB_HEADLESS"))) {
                System.setProperty("glass.platform", "Headless");
                System.setProperty("prism.order", "sw");
            } else if (System.getProperty("os.name", "").startsWith("Linux") && System.getenv("DISPLAY") == null
                    && System.getenv("WAYLAND_DISPLAY") == null && !"Headless".equals(System.getProperty("glass.platform"))) {
                System.err.println("speclab: cannot open the lab window: no display (DISPLAY is not set); the command line works: speclab --help");
                System.exit(1);
            }
            String exitAfter = System.getenv("SPECLAB_EXIT_AFTER_SECONDS");
            if (exitAfter != null) System.setProperty("speclab.exitAfterSeconds", exitAfter);
            try {
                org.speclab.ui.LabApp.launchLab(args.length == 0 ? null : java.nio.file.Path.of(args[0]));
            } catch (Throwable e) {
                System.err.println(whyTheLabDidNotStart(e));
                System.exit(1);
            }
            return;
        }
        System.exit(Cli.run(args));
    }

    /**
     * One line for a lab that could not start. JavaFX draws with GTK 3 on Linux; without it the
     * toolkit fails with "Unable to load glass GTK library" deep in a stack trace: say which package to install.
     */
    static String whyTheLabDidNotStart(Throwable e) {
        String first = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).strip().replaceAll("\\.$", "");
            if (first == null && t.getMessage() != null) first = m;
            if (m.toLowerCase(java.util.Locale.ROOT).contains("gtk")) {
                return "speclab: the lab needs the GTK 3 runtime, which JavaFX draws with (Debian/Ubuntu: sudo apt install libgtk-3-0;"
                        + " Fedora: sudo dnf install gtk3): " + m + "; the command line works without it: speclab --help";
            }
        }
        return "speclab: the lab could not start: " + (first != null ? first : e.getClass().getSimpleName()) + "; the command line still works: speclab --help";
    }
}
