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
        description = "SpecLab: speculative decoding lab for Llama-family models.%nWithout a command, opens the lab window.",
        subcommands = {GenerateCommand.class, InfoCommand.class, TokenizeCommand.class, DevicesCommand.class,
                CommandLine.HelpCommand.class})
public final class Cli implements Runnable {
    /** UTF-8 whatever the platform encoding: generated text must reach pipes byte for byte. */
    static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    static final PrintStream ERR = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    @Override
    public void run() {
        new CommandLine(this).usage(OUT);
        OUT.flush();
    }

    public static int run(String... args) {
        return run(OUT, ERR, args);
    }

    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            err.println("speclab: error: " + oneLine(ex));
            err.flush();
            return 1;
        });
        int rc = cl.execute(args);
        out.flush();
        return rc;
    }

    static String oneLine(Throwable ex) {
        String m = ex instanceof ModelFormatException || ex instanceof EngineException || ex instanceof IllegalArgumentException
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
