package org.speclab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TempDirsTest {
    @Test
    void aFolderAndWhatItHoldsAreGoneWhenTheJvmExits() throws Exception {
        List<String> cmd = ChildJvm.command();
        cmd.add(TempDirs.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not exit");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        Path made = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(made.getFileName().toString().startsWith("speclab-tempdirs-test"), out);
        assertFalse(Files.exists(made), made + " is still there after the JVM that made it exited");
    }

    @Test
    void theFolderIsThereWhileTheJvmRuns() throws Exception {
        Path dir = TempDirs.create("speclab-tempdirs-live");
        assertTrue(Files.isDirectory(dir), dir + " is not there while the JVM that made it runs");
        assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toRealPath(), dir.getParent().toRealPath());
    }
}
