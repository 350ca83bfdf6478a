package org.speclab;

import org.speclab.cli.Cli;

/** No arguments: the lab window. Anything else: the command line. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            org.speclab.ui.LabApp.launchLab(args);
            return;
        }
        System.exit(Cli.run(args));
    }
}
