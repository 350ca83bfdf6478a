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
            org.speclab.ui.LabApp.launchLab(args.length == 0 ? null : java.nio.file.Path.of(args[0]));
            return;
        }
        System.exit(Cli.run(args));
    }
}
