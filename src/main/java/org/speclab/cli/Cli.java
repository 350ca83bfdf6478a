package org.speclab.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.speclab.Version;
import org.speclab.engine.EngineException;
import org.speclab.gguf.ModelFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code speclab} command line. Errors end in one line on stderr and a non-zero exit, never a stack trace. */
@Command(name = "speclab", mixinStandardHelpOptions = true, versionProvider = Cli.VersionProvider.class,
        description = "SpecLab: speculative decoding lab for Llama, Qwen, Gemma and Phi models.%nWithout a command, opens the lab window.",
        subcommands = {GenerateCommand.class, SweepCommand.class, ConvertCommand.class, QuantizeCommand.class, SynthCommand.class, BenchCommand.class, LogitsCommand.class, InfoCommand.class, TokenizeCommand.class, DevicesCommand.class,
                CommandLine.HelpCommand.class})
public final class Cli implements Runnable {
    /** Where sub-commands print: stdout gets results only, stderr measurements and messages. */
    final PrintStream out;
    final PrintStream err;

    private Cli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(out);
        out.flush();
    }

    /** Runs with the process's stdout and stderr, as UTF-8 whatever the platform encoding. */
    public static int run(String... args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        return run(out, err, args);
    }

    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Cli(out, err));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            err.println("speclab: error: " + oneLine(ex));
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("speclab: error: " + oneLine(ex));
            err.println("Try 'speclab " + (ex.getCommandLine().getCommandName().equals("speclab") ? "" : ex.getCommandLine().getCommandName() + " ") + "--help' for the options.");
            return 2;
        });
        // a word that is not a command: with --help, the help that lists the commands (exit 0); without, one line naming it (exit 2) rather than picocli's "unmatched argument"
        if (args.length > 0 && !args[0].startsWith("-") && !cl.getSubcommands().containsKey(args[0])) {
            if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
                cl.usage(out);
                out.flush();
                return 0;
            }
            err.println("speclab: error: unknown command '" + args[0] + "'");
            err.println("Commands: " + String.join(", ", cl.getSubcommands().keySet()) + ". Try 'speclab --help'.");
            err.flush();
            return 2;
        }
        int rc = cl.execute(args);
        out.flush();
        return rc;
    }

    static String oneLine(Throwable ex) {
        String m = ex instanceof ModelFormatException || ex instanceof EngineException || ex instanceof IllegalArgumentException
                || ex instanceof org.speclab.jobs.JobFailedException || ex instanceof java.io.IOException
                || ex instanceof CommandLine.ParameterException
                ? ex.getMessage() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
        if (m == null) m = ex.getClass().getSimpleName();
        return m.replace('\n', ' ');
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"SpecLab " + Version.get() + " (Java " + Runtime.version() + ")"};
        }
    }
}
