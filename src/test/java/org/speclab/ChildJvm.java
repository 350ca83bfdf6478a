package org.speclab;

import java.util.ArrayList;
import java.util.List;

/** The command that starts another JVM like this test JVM: the same java, module flags and class path. */
public final class ChildJvm {
    private ChildJvm() {}

    /** {@code java [module flags] [speclab.* properties] JVM_ARGS -cp CLASSPATH}, ready for a main class and its arguments. */
    public static List<String> command(String... jvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-modules") || a.startsWith("--enable-native-access") || a.startsWith("-Dspeclab.")) cmd.add(a);
        }
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }
}
